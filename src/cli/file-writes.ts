import { isAbsolute, relative, resolve } from 'node:path';
import type { GeneratedFile } from '../../recipes/index.js';
import { writeFileAtomic } from '../adapters/fs-atomic.js';

/** Where one file is in the writing: what the progress screen shows per row. */
export type FileWriteStatus = 'pending' | 'writing' | 'done' | 'failed';

export interface FileWriteRow {
  path: string;
  description: string;
  mode: number;
  status: FileWriteStatus;
  error?: string;
}

export type FileWriteEvent =
  | { type: 'writing'; path: string }
  | { type: 'done'; path: string }
  | { type: 'failed'; path: string; error: string };

/** The rows before anything is written. */
export function pendingRows(files: readonly GeneratedFile[]): FileWriteRow[] {
  return files.map((file) => ({ path: file.path, description: file.description, mode: file.mode, status: 'pending' }));
}

/** Pure: the rows after one event. */
export function applyFileWriteEvent(rows: readonly FileWriteRow[], event: FileWriteEvent): FileWriteRow[] {
  return rows.map((row) => {
    if (row.path !== event.path) return row;
    switch (event.type) {
      case 'writing':
        return { ...row, status: 'writing' };
      case 'done':
        return { ...row, status: 'done' };
      case 'failed':
        return { ...row, status: 'failed', error: event.error };
    }
  });
}

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
function insideDir(dir: string, path: string): string {
  const target = resolve(dir, path);
  const rel = relative(dir, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${JSON.stringify(path)} is outside the project directory`);
  return target;
}
