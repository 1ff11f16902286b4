import { defineConfig } from 'vitest/config';
import { OWN_MODULES, SLOW } from './test/tiers.js';

const ALL = ['test/**/*.test.ts', 'test/**/*.test.tsx'];

/**
 * Two tiers (test/tiers.ts): `npm test` runs `fast` and `fast-own` (pure and in-process, no child process, under 90 s);
 * `npm run test:all` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/peers/summary-reporter.ts'],
    projects: [
      // One module cache per worker: each file does not import Ink, zod and the app again (99 s → 30 s here).
      { extends: true, test: { name: 'fast', include: ALL, exclude: [...SLOW, ...OWN_MODULES], setupFiles: ['test/support/no-child-process.ts'], isolate: false } },
      { extends: true, test: { name: 'fast-own', include: OWN_MODULES, setupFiles: ['test/support/no-child-process.ts'] } },
      { extends: true, test: { name: 'slow', include: SLOW.map((glob) => (glob.endsWith('/**') ? `${glob}/*.test.{ts,tsx}` : glob)) } },
    ],
  },
});
