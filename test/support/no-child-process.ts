/**
 * The fast tier's setup (vitest.config.ts, project `fast`): a test there runs in this process only —
 * pure functions, in-process servers on loopback, no peers. Starting a child process fails the test at
 * once, naming what it tried to run, so a slow test cannot slip into `npm test`.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const refuse = (name: string) =>
  function refused(command: unknown): never {
    throw new Error(
      `the fast tier (npm test) starts no child process, but this test called child_process.${name}(${JSON.stringify(String(command))}): ` +
        'list its file in test/tiers.ts (SLOW) so that it runs in npm run test:all',
    );
  };

for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = refuse(name);
}
// `import { spawn } from 'node:child_process'` (execa, the adapters) reads the patched functions too.
syncBuiltinESMExports();
