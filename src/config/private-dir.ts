import { mkdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/** The folder of a project holding swarm-wiz's own files (state, SSH key, certificates, locks); private to its owner. */
export const SWARM_WIZ_DIR = '.swarm-wiz';

/** The mode of `.swarm-wiz/` and of every folder made inside it: only the owner may list or enter them. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates `folder` and any missing parent. The `.swarm-wiz` folder, and every folder created
 * inside it, is made 0700; folders above it get the usual mode.
 */
export async function makeFolder(folder: string): Promise<void> {
  const absolute = resolve(folder);
  const parts = absolute.split(sep);
  const at = parts.indexOf(SWARM_WIZ_DIR);
  if (at < 0) {
    await mkdir(absolute, { recursive: true });
    return;
  }
  await mkdir(parts.slice(0, at).join(sep) || sep, { recursive: true });
  await mkdir(absolute, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates `<dir>/.swarm-wiz/<sub…>` (0700 from `.swarm-wiz` down) if missing and returns its path. */
export async function ensureSwarmWizDir(dir: string, ...sub: string[]): Promise<string> {
  const folder = join(dir, SWARM_WIZ_DIR, ...sub);
  await makeFolder(folder);
  return folder;
}
