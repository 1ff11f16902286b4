import { access, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectLockedError, withProjectLock } from '../../src/adapters/project-lock.js';
import { holdProjectLock } from './held-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lock = () => join(dir, '.swarm-wiz', 'project.lock');
const deadPid = async () => Number((await execa('sh', ['-c', 'echo $$'])).stdout.trim());
const SINCE = /since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/;

describe('withProjectLock: one lock per project', () => {
  it('holds <dir>/.swarm-wiz/project.lock (0600, in a 0700 folder) recording pid, command and since; any other command is refused naming them; released afterwards', async () => {
    await withProjectLock(dir, 'apply', async () => {
      const recorded = JSON.parse(await readFile(lock(), 'utf8')) as Record<string, unknown>;
      expect(recorded).toMatchObject({ pid: process.pid, command: 'apply' });
      expect(Date.now() - Date.parse(recorded.since as string)).toBeLessThan(60_000);
      expect((await stat(lock())).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, '.swarm-wiz'))).mode & 0o777).toBe(0o700);
    });
    const apply = holdProjectLock(dir, 'apply');
    await apply.held;
    // Renew (the support server's cron, or a person) no longer runs beside an apply: one lock for every command that changes the project.
    for (const command of ['apply', 'renew', 'add-domain', 'destroy', 'secret set', 'deploy']) {
      const second = withProjectLock(dir, command, async () => 'ran');
      await expect(second).rejects.toBeInstanceOf(ProjectLockedError);
      await expect(second).rejects.toThrow(new RegExp(`^another swarm-wiz apply \\(pid ${process.pid}, ${SINCE.source}\\) holds this project \\(${lock().replace(/[.]/g, '\\.')}\\): nothing was changed\\.`));
    }
    apply.release();
    expect(await apply.done).toBe('apply');
    await expect(access(lock())).rejects.toThrow();
    expect(await withProjectLock(dir, 'renew', async () => 'ran')).toBe('ran');
  });

  it('is re-entrant inside the holder (renew called by apply, apply called by add-domain), and the inner run does not release it', async () => {
    const nested = await withProjectLock(dir, 'add-domain', async () => {
      const inner = await withProjectLock(dir, 'apply', () => withProjectLock(dir, 'renew', async () => 'renewed'));
      expect(JSON.parse(await readFile(lock(), 'utf8'))).toMatchObject({ command: 'add-domain' });
      // Still held against anyone outside this run.
      return inner;
    });
    expect(nested).toBe('renewed');
    await expect(access(lock())).rejects.toThrow();
  });

  it('is not re-entrant for other work in the same process: only the async context that took it holds it', async () => {
    const first = holdProjectLock(dir, 'apply');
    await first.held;
    await expect(withProjectLock(dir, 'destroy', async () => 'ran')).rejects.toThrow(`another swarm-wiz apply (pid ${process.pid}`);
    first.release();
    await first.done;
  });

  it('is released when the work fails, and the failure passes through', async () => {
    await expect(withProjectLock(dir, 'apply', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withProjectLock(dir, 'apply', async () => 'ran')).toBe('ran');
  });

  it('takes over a lock left by a process that no longer exists (SIGKILL), in this format and the older pid-only one', async () => {
    await withProjectLock(dir, 'apply', () => writeFile(join(dir, '.swarm-wiz', 'state.json'), '{}'));
    const dead = await deadPid();
    await writeFile(lock(), `${JSON.stringify({ pid: dead, command: 'apply', since: '2026-01-01T00:00:00Z', id: 'x' })}\n`);
    expect(await withProjectLock(dir, 'destroy', async () => 'ran')).toBe('ran');
    await writeFile(lock(), `${dead}\n`);
    expect(await withProjectLock(dir, 'destroy', async () => 'ran')).toBe('ran');
  });

  it('two runs finding the same stale lock at once: exactly one takes it over, the other is refused (20 times)', async () => {
    const dead = await deadPid();
    for (let round = 0; round < 20; round += 1) {
      await withProjectLock(dir, 'apply', () => writeFile(join(dir, '.swarm-wiz', 'state.json'), '{}'));
      await writeFile(lock(), `${dead}\n`);
      const runs = await Promise.allSettled(['apply', 'destroy'].map((command) => withProjectLock(dir, command, () => new Promise((resolve) => setTimeout(() => resolve(command), 20)))));
      expect(runs.map((run) => run.status).sort(), `round ${round}`).toEqual(['fulfilled', 'rejected']);
      expect(await readdir(join(dir, '.swarm-wiz'))).toEqual(['state.json']);
    }
  });

  it('an empty lock file: held while fresh (its owner may be writing it), taken over once old', async () => {
    await withProjectLock(dir, 'apply', () => writeFile(join(dir, '.swarm-wiz', 'state.json'), '{}'));
    await writeFile(lock(), '');
    await expect(withProjectLock(dir, 'apply', async () => 'ran')).rejects.toThrow(/^another swarm-wiz run holds this project/);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock(), old, old);
    expect(await withProjectLock(dir, 'apply', async () => 'ran')).toBe('ran');
  });

  it('shows only what the lock file says plainly: control characters or other text in it are never echoed', async () => {
    await withProjectLock(dir, 'apply', () => writeFile(join(dir, '.swarm-wiz', 'state.json'), '{}'));
    await writeFile(lock(), JSON.stringify({ pid: process.pid, command: '\u001b[2Jall certificates fine', since: 'yesterday', id: 'y' }));
    await expect(withProjectLock(dir, 'apply', async () => 'ran')).rejects.toThrow(`another swarm-wiz run (pid ${process.pid}) holds this project`);
  });

  it('leaves nothing behind when it made the folders and nothing else was written there', async () => {
    expect(await withProjectLock(dir, 'apply', async () => 'ran')).toBe('ran');
    expect(await readdir(dir)).toEqual([]);
    expect(await withProjectLock(join(dir, 'new', 'project'), 'apply', async () => 'ran')).toBe('ran');
    expect(await readdir(dir)).toEqual([]);
    await withProjectLock(dir, 'apply', () => writeFile(join(dir, '.swarm-wiz', 'state.json'), '{}'));
    expect(await readdir(join(dir, '.swarm-wiz'))).toEqual(['state.json']);
  });
});
