import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** A new empty folder under the system's temp folder, named `swarm-wiz-<name>-XXXXXX`. */
export const tempDir = (name: string): Promise<string> => mkdtemp(join(tmpdir(), `swarm-wiz-${name}-`));

/** Every file under `dir` (in subfolders too), as paths relative to it, sorted; none when `dir` does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}
