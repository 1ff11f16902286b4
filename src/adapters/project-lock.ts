import { access, open, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureSwarmWizDir, SWARM_WIZ_DIR } from './private-dir.js';

/** Another swarm-wiz process holds the project's lock of the same name. */
export class ProjectLockedError extends Error {
  constructor(
    readonly command: string,
    /** The holder's pid, when its lock file says it. */
    readonly pid: number | undefined,
    readonly path: string,
  ) {
    super(
      `another swarm-wiz ${command}${pid === undefined ? '' : ` (pid ${pid})`} is running for this project (${path}); try again when it has finished (if no swarm-wiz is running, delete ${path})`,
    );
    this.name = 'ProjectLockedError';
  }
}

/** `<dir>/.swarm-wiz/<name>.lock`. */
export function projectLockPath(dir: string, name: string): string {
  return join(dir, SWARM_WIZ_DIR, `${name}.lock`);
}

/** How long an empty lock file counts as held: its owner may have created it and not yet written its pid. */
const EMPTY_LOCK_GRACE_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the lock at `path`, and whether that holder is gone (a dead pid, or an empty file older than the grace). */
async function holderOf(path: string): Promise<{ pid: number | undefined; stale: boolean }> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return { pid: undefined, stale: true };
  const pid = Number(text.trim());
  if (text.trim() !== '' && Number.isInteger(pid) && pid > 0) return { pid, stale: !alive(pid) };
  const modified = await stat(path).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return { pid: undefined, stale: Date.now() - modified > EMPTY_LOCK_GRACE_MS };
}

/**
 * Runs `fn` holding `<dir>/.swarm-wiz/<name>.lock` (created exclusively, holding this pid), so two
 * swarm-wiz runs of the same kind never work on one project at once: the second throws
 * ProjectLockedError at once instead of waiting. A lock left by a process that no longer exists
 * is taken over, once. If the lock made `.swarm-wiz/` and nothing else was put there, the folder
 * is removed again, so a run that changed nothing leaves nothing behind.
 */
export async function withProjectLock<T>(dir: string, name: string, fn: () => Promise<T>): Promise<T> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`lock name ${JSON.stringify(name)} is not a lower-case word`);
  const folder = join(dir, SWARM_WIZ_DIR);
  const path = projectLockPath(dir, name);
  const madeFolder = await access(folder).then(
    () => false,
    () => true,
  );
  let tookOver = false;
  for (let attempt = 0; ; attempt += 1) {
    await ensureSwarmWizDir(dir);
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The folder was removed between mkdir and open by a run that made it and just finished.
      if (code === 'ENOENT' && attempt < 3) continue;
      if (code !== 'EEXIST') throw error;
      const holder = await holderOf(path);
      // Taken over once at most: losing the race for a stale lock means someone else now holds it.
      if (tookOver || !holder.stale) throw new ProjectLockedError(name, holder.pid, path);
      tookOver = true;
      await rm(path, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
    if (madeFolder) await rmdir(folder).catch(() => undefined);
  }
}
