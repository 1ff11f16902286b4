import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changingProject, ProjectLockedError } from '../../src/app/project-lock.js';
import { renewStored } from '../../src/app/renew.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { emptyState } from '../../src/state/index.js';
import { holdProjectLock } from '../adapters/held-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = parseConfig(SEED_EXAMPLE);
const renew = () => renewStored({ config, dir, state: emptyState(config.project), force: true, entries: [] });

// Before issue 17 renew had a lock of its own and ran beside an apply; now every command that changes
// the project holds the one project lock (src/app/project-lock.ts).
describe("renew and the project lock", () => {
  it('stops at once, ordering nothing, while another command (apply, or a second renew) holds the project', async () => {
    for (const holder of ['apply', 'renew'] as const) {
      const { held, release, done } = holdProjectLock(dir, holder);
      await held;
      await expect(renew()).rejects.toBeInstanceOf(ProjectLockedError);
      await expect(renew()).rejects.toThrow(`another swarm-wiz ${holder} (pid ${process.pid}, since `);
      expect(await readdir(join(dir, '.swarm-wiz'))).toEqual(['project.lock']);
      release();
      await done;
    }
  });

  it('runs inside an apply of the same run (apply renews what is due) without waiting for itself', async () => {
    // With no site due, renewStored still has to get past the lock to decide that: refused would throw.
    await expect(changingProject(dir, 'apply', () => renew().then(() => 'renewed', (error: unknown) => (error instanceof ProjectLockedError ? 'locked out' : 'got past the lock')))).resolves.not.toBe('locked out');
  });
});
