import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { access, link, mkdir, open, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureSwarmWizDir, SWARM_WIZ_DIR } from '../config/private-dir.js';

/** What a lock file says about the run holding it; each part only when the file says it plainly. */
export interface LockHolder {
  pid?: number;
  /** The command, like `apply` or `secret set`. */
  command?: string;
  /** When it took the lock (ISO 8601, UTC). */
  since?: string;
}

/** Another swarm-wiz run holds the project. */
export class ProjectLockedError extends Error {
  constructor(
    readonly holder: LockHolder,
    readonly path: string,
  ) {
    const who = [holder.pid === undefined ? '' : `pid ${holder.pid}`, holder.since === undefined ? '' : `since ${holder.since}`].filter(Boolean).join(', ');
    super(
      `another swarm-wiz ${holder.command ?? 'run'}${who ? ` (${who})` : ''} holds this project (${path}): nothing was changed. Run this again when it has finished (if no swarm-wiz is running, delete ${path}).`,
    );
    this.name = 'ProjectLockedError';
  }
}

/** `<dir>/.swarm-wiz/project.lock`: the one lock every command that changes the project holds. */
export function projectLockPath(dir: string): string {
  return join(dir, SWARM_WIZ_DIR, 'project.lock');
}

/** How long an empty lock file counts as held (written by a swarm-wiz that made the file before its pid). */
const EMPTY_LOCK_GRACE_MS = 10_000;
const COMMAND = /^[a-z][a-z -]{0,39}$/;

/** The ids of the locks this async context holds: a use case called inside another's run (renew inside apply) runs under the same lock. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

interface LockFile extends LockHolder {
  /** Random, per acquisition: tells this run's lock from a later one in the same file. */
  id?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file as written by this version (JSON), or an older one (just the pid). Anything else in it is not shown. */
function parseLock(text: string): LockFile {
  const trimmed = text.trim();
  if (/^\d{1,9}$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const json = JSON.parse(trimmed) as Record<string, unknown>;
    const pid = Number.isInteger(json.pid) && (json.pid as number) > 0 ? (json.pid as number) : undefined;
    const command = typeof json.command === 'string' && COMMAND.test(json.command) ? json.command : undefined;
    const since = typeof json.since === 'string' && !Number.isNaN(Date.parse(json.since)) ? `${new Date(json.since).toISOString().slice(0, 19)}Z` : undefined;
    const id = typeof json.id === 'string' ? json.id : undefined;
    return { ...(pid ? { pid } : {}), ...(command ? { command } : {}), ...(since ? { since } : {}), ...(id ? { id } : {}) };
  } catch {
    return {};
  }
}

/** Who holds the lock at `path` (undefined: nobody, the file is gone), and whether that holder is gone (a dead pid, or an empty or unreadable file older than the grace). */
async function holderOf(path: string): Promise<{ lock: LockFile; stale: boolean } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lock = parseLock(text);
  if (lock.pid !== undefined) return { lock, stale: !alive(lock.pid) };
  const modified = await stat(path).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return { lock, stale: Date.now() - modified > EMPTY_LOCK_GRACE_MS };
}

const holderShown = ({ pid, command, since }: LockFile): LockHolder => ({ ...(pid ? { pid } : {}), ...(command ? { command } : {}), ...(since ? { since } : {}) });

/** Links `source` to `target`: created whole and only if `target` does not exist (EEXIST otherwise). */
const linkExclusive = (source: string, target: string) => link(source, target);

/**
 * Runs `fn` holding the project's one lock, `<dir>/.swarm-wiz/project.lock` (0600), which records
 * this pid, `command` and since when. Every command that changes the project holds it, so two of them
 * never work on one project at once: a second one throws ProjectLockedError at once, naming the
 * holder, instead of waiting. Inside `fn` (its async context) the lock is held already: a use case
 * that another one calls (renew inside apply, apply inside add-domain) runs without taking it again.
 *
 * The file appears whole (written beside it, then hard-linked into place), so nobody reads it half
 * written. A lock left by a process that no longer exists (SIGKILL) is taken over; two runs that find
 * the same stale lock take it over one at a time (`project.lock.takeover`), so only one of them wins.
 * Folders the lock made (`.swarm-wiz/`, the project folder) are removed again when nothing else was
 * put there, so a run that changed nothing leaves nothing behind.
 */
export async function withProjectLock<T>(dir: string, command: string, fn: () => Promise<T>): Promise<T> {
  if (!COMMAND.test(command)) throw new Error(`lock command ${JSON.stringify(command)} is not a lower-case command name`);
  const folder = join(dir, SWARM_WIZ_DIR);
  const path = projectLockPath(dir);
  const madeFolder = await access(folder).then(
    () => false,
    () => true,
  );
  // The first folder of the project's path that did not exist (mkdir -p says which).
  const madeDir = await mkdir(dir, { recursive: true });
  const id = randomBytes(12).toString('hex');
  const mine: LockFile = { pid: process.pid, command, since: `${new Date().toISOString().slice(0, 19)}Z`, id };
  let acquired = false;
  for (let attempt = 0; !acquired; attempt += 1) {
    await ensureSwarmWizDir(dir);
    const temp = join(folder, `.project.lock.${id}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(mine)}\n`);
      } finally {
        await handle.close();
      }
      const outcome = await placeLock(temp, path, held.getStore());
      if (outcome === 'reentrant') return fn();
      acquired = true;
    } catch (error) {
      // The folder was removed between mkdir and open by a run that made it and just finished.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 3) continue;
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }
  try {
    return await held.run(new Set([...(held.getStore() ?? []), id]), fn);
  } finally {
    // Only our own lock is removed (never one a later run took over).
    const now = await holderOf(path);
    if (now?.lock.id === id) await rm(path, { force: true });
    if (madeFolder) await rmdir(folder).catch(() => undefined);
    if (madeDir !== undefined) await removeEmptyUpTo(resolve(dir), resolve(madeDir));
  }
}

/** Removes `from` and its parents up to `last` while they are empty. */
async function removeEmptyUpTo(from: string, last: string): Promise<void> {
  for (let folder = from; folder.startsWith(last); folder = dirname(folder)) {
    if (!(await rmdir(folder).then(() => true, () => false))) return;
    if (folder === last) return;
  }
}

/**
 * Puts the lock file `temp` in place at `path`: 'placed'; or 'reentrant' when this async context
 * holds the lock already; a stale lock is taken over once; otherwise ProjectLockedError.
 */
async function placeLock(temp: string, path: string, ours: ReadonlySet<string> | undefined): Promise<'placed' | 'reentrant'> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await linkExclusive(temp, path);
      return 'placed';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await holderOf(path);
    if (holder === undefined && attempt < 3) continue; // released meanwhile: try again
    if (holder?.lock.id !== undefined && ours?.has(holder.lock.id)) return 'reentrant';
    if (holder === undefined || !holder.stale || attempt > 1) throw new ProjectLockedError(holderShown(holder?.lock ?? {}), path);
    await takeOver(temp, path, holder.lock);
  }
}

/**
 * Removes the stale lock `seen`, guarded by `<path>.takeover` so that of two runs finding it, only one
 * removes it (the other then finds the winner's lock). A guard left by a dead process is cleared.
 */
async function takeOver(temp: string, path: string, seen: LockFile): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await linkExclusive(temp, guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const other = await holderOf(guard);
    if (other?.stale) await rm(guard, { force: true });
    // Another run is taking it over: it wins (or, if it died, the next attempt finds the stale lock again).
    return;
  }
  try {
    const now = await holderOf(path);
    if (now?.stale && now.lock.pid === seen.pid && now.lock.id === seen.id) await rm(path, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}
