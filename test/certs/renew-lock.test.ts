import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectLockedError, withProjectLock } from '../../src/adapters/project-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// `swarm-wiz renew` holds the project lock named 'renew' (src/cli/commands/renew.ts).
describe("renew's project lock", () => {
  it('refuses a second renew while one runs, naming its pid; releases afterwards', async () => {
    const lock = join(dir, '.swarm-wiz', 'renew.lock');
    await withProjectLock(dir, 'renew', async () => {
      expect(await readFile(lock, 'utf8')).toBe(`${process.pid}\n`);
      const second = withProjectLock(dir, 'renew', async () => 'ran');
      await expect(second).rejects.toBeInstanceOf(ProjectLockedError);
      await expect(second).rejects.toThrow(`another swarm-wiz renew (pid ${process.pid}) is running for this project`);
    });
    expect(await withProjectLock(dir, 'renew', async () => 'ran')).toBe('ran');
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dead = (await execa('sh', ['-c', 'echo $$'])).stdout.trim();
    await withProjectLock(dir, 'renew', () => writeFile(join(dir, '.swarm-wiz', 'state.json'), '{}'));
    await writeFile(join(dir, '.swarm-wiz', 'renew.lock'), `${dead}\n`);
    expect(await withProjectLock(dir, 'renew', async () => 'ran')).toBe('ran');
  });
});
