import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RenewLockedError, withRenewLock } from '../../src/certs/renew-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('withRenewLock', () => {
  it('refuses a second renew while one runs, naming its pid; releases afterwards', async () => {
    const lock = join(dir, '.swarm-wiz', 'certs', 'renew.lock');
    await withRenewLock(dir, async () => {
      expect(await readFile(lock, 'utf8')).toBe(`${process.pid}\n`);
      const second = withRenewLock(dir, async () => 'ran');
      await expect(second).rejects.toBeInstanceOf(RenewLockedError);
      await expect(second).rejects.toThrow(`another swarm-wiz renew (pid ${process.pid}) is running for this project`);
    });
    expect(await withRenewLock(dir, async () => 'ran')).toBe('ran');
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dead = (await execa('sh', ['-c', 'echo $$'])).stdout.trim();
    await withRenewLock(dir, async () => undefined);
    await writeFile(join(dir, '.swarm-wiz', 'certs', 'renew.lock'), `${dead}\n`);
    expect(await withRenewLock(dir, async () => 'ran')).toBe('ran');
  });
});
