import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export class RenewLockedError extends Error {
  constructor(readonly pid: number, path: string) {
    super(`another swarm-wiz renew (pid ${pid}) is running for this project (${path}); try again when it has finished`);
    this.name = 'RenewLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding `<dir>/.swarm-wiz/certs/renew.lock`, so cron and a person running renew at
 * the same time do not order the same certificates twice. A lock left by a dead process is taken over.
 */
export async function withRenewLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const folder = join(dir, '.swarm-wiz', 'certs');
  const path = join(folder, 'renew.lock');
  await mkdir(folder, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '0')).trim());
      // Taken over once at most: losing the race for a stale lock means someone else now holds it.
      if (attempt > 0 || (Number.isInteger(holder) && holder > 0 && alive(holder))) throw new RenewLockedError(holder, path);
      await rm(path, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
