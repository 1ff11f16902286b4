import { defineConfig } from 'vitest/config';
import { SLOW } from './test/tiers.js';

const ALL = ['test/**/*.test.ts', 'test/**/*.test.tsx'];

/**
 * Two tiers (test/tiers.ts): `npm test` runs `fast` (pure and in-process, no child process, under 90 s);
 * `npm run test:all` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/peers/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'fast', include: ALL, exclude: SLOW, setupFiles: ['test/support/no-child-process.ts'] } },
      { extends: true, test: { name: 'slow', include: SLOW.map((glob) => (glob.endsWith('/**') ? `${glob}/*.test.{ts,tsx}` : glob)) } },
    ],
  },
});
