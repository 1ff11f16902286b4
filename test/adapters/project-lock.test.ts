import { access, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
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

const lockOf = (name: string) => join(dir, '.swarm-wiz', `${name}.lock`);
const deadPid = async () => Number((await execa('sh', ['-c', 'echo $$'])).stdout.trim());

describe('withProjectLock', () => {
  it('holds <dir>/.swarm-wiz/<name>.lock (0600, in a 0700 folder) with its pid while it runs; a second holder is refused naming the command, the pid and the file; released afterwards', async () => {
    await withProjectLock(dir, 'apply', async () => {
      expect(await readFile(lockOf('apply'), 'utf8')).toBe(`${process.pid}\n`);
      expect((await stat(lockOf('apply'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, '.swarm-wiz'))).mode & 0o777).toBe(0o700);
      const second = withProjectLock(dir, 'apply', async () => 'ran');
      await expect(second).rejects.toBeInstanceOf(ProjectLockedError);
      await expect(second).rejects.toThrow(`another swarm-wiz apply (pid ${process.pid}) is running for this project (${lockOf('apply')}); try again when it has finished`);
      // Another name is another lock.
      expect(await withProjectLock(dir, 'renew', async () => 'renewed')).toBe('renewed');
    });
    await expect(access(lockOf('apply'))).rejects.toThrow();
    expect(await withProjectLock(dir, 'apply', async () => 'ran')).toBe('ran');
  });

  it('is released when the work fails, and the failure passes through', async () => {
    await expect(withProjectLock(dir, 'apply', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withProjectLock(dir, 'apply', async () => 'ran')).toBe('ran');
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    await withProjectLock(dir, 'apply', () => writeFile(join(dir, '.swarm-wiz', 'state.json'), '{}'));
    await writeFile(lockOf('apply'), `${await deadPid()}\n`);
    expect(await withProjectLock(dir, 'apply', async () => 'ran')).toBe('ran');
  });

  it('an empty lock file: held while fresh (its owner may be writing its pid), taken over once old', async () => {
    await withProjectLock(dir, 'apply', async () => {
      await writeFile(lockOf('apply'), '');
      await expect(withProjectLock(dir, 'apply', async () => 'ran')).rejects.toThrow(/another swarm-wiz apply is running for this project/);
      const old = new Date(Date.now() - 60_000);
      await utimes(lockOf('apply'), old, old);
      expect(await withProjectLock(dir, 'apply', async () => 'ran')).toBe('ran');
    });
  });

  it('leaves no .swarm-wiz/ behind when it made the folder and nothing else was written there', async () => {
    expect(await withProjectLock(dir, 'apply', async () => 'ran')).toBe('ran');
    expect(await readdir(dir)).toEqual([]);
    await withProjectLock(dir, 'apply', () => writeFile(join(dir, '.swarm-wiz', 'state.json'), '{}'));
    expect(await readdir(join(dir, '.swarm-wiz'))).toEqual(['state.json']);
  });
});
