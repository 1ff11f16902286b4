import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { makeFolder } from './private-dir.js';

/**
 * TEST-ONLY: `SWARM_WIZ_TEST_DELAY_BEFORE_WRITE_MS=N` makes this process wait N ms (at most a minute)
 * before its first atomic write, so a test can make two real runs overlap on one project. Never set
 * it otherwise: it only slows a run down.
 */
export const TEST_DELAY_BEFORE_WRITE_ENV = 'SWARM_WIZ_TEST_DELAY_BEFORE_WRITE_MS';
let firstWrite: Promise<void> | undefined;

function delayBeforeFirstWrite(): Promise<void> {
  firstWrite ??= (() => {
    const ms = Math.min(Number(process.env[TEST_DELAY_BEFORE_WRITE_ENV] ?? 0), 60_000);
    return Number.isFinite(ms) && ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  })();
  return firstWrite;
}

/**
 * Writes a file so that readers see either the old or the new content, never half of it:
 * a temporary file beside the target, fsync, then rename. `mode` applies from the first byte,
 * so a secret is never readable by others even for a moment. Missing folders are created; one
 * named `.swarm-wiz`, and any inside it, 0700 (makeFolder).
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  await delayBeforeFirstWrite();
  await makeFolder(dirname(path));
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A text file's content, or undefined when it does not exist (any other error is thrown). */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
