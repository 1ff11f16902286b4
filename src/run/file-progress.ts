import type { GeneratedFile } from '../../recipes/index.js';

// The file list's progress model: writeProjectFiles (src/app/file-writes.ts) emits the events,
// screens/file-progress.tsx renders the rows, as src/run/progress.ts does for provisioning.

/** Where one file is in the writing: what the progress screen shows per row. */
export type FileWriteStatus = 'pending' | 'writing' | 'done' | 'failed';

/** One row of the file list. */
export interface FileWriteRow {
  path: string;
  description: string;
  mode: number;
  status: FileWriteStatus;
  error?: string;
}

/** What happened to one file, in the order writeProjectFiles does it. */
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
