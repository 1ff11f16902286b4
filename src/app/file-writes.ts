import { isAbsolute, relative, resolve } from 'node:path';
import type { GeneratedFile } from '../../recipes/index.js';
import { writeFileAtomic } from '../config/fs-atomic.js';
import type { FileWriteEvent } from '../run/file-progress.js';

export interface WriteOutcome {
  written: string[];
  failed: { path: string; error: string }[];
}

/**
 * Writes every file under `dir`, each atomically with its own mode, in order. A failure of one
 * file is reported and the rest are still written; no file is ever left half-written.
 */
export async function writeProjectFiles(
  dir: string,
  files: readonly GeneratedFile[],
  onEvent: (event: FileWriteEvent) => void = () => {},
): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { written: [], failed: [] };
  for (const file of files) {
    onEvent({ type: 'writing', path: file.path });
    try {
      await writeFileAtomic(insideDir(dir, file.path), file.content, file.mode);
      outcome.written.push(file.path);
      onEvent({ type: 'done', path: file.path });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome.failed.push({ path: file.path, error: message });
      onEvent({ type: 'failed', path: file.path, error: message });
    }
  }
  return outcome;
}

/** The absolute target of a relative file path, refusing anything that would land outside `dir`. */
export function insideDir(dir: string, path: string): string {
  const target = resolve(dir, path);
  const rel = relative(dir, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${JSON.stringify(path)} is outside the project directory`);
  return target;
}
