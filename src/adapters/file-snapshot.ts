import { readFile, stat } from 'node:fs/promises';

/** A file's bytes and permission bits as found on disk. */
export interface FileSnapshot {
  bytes: Uint8Array;
  mode: number;
}

/** The file at `path` as it is now, or undefined when there is none (any other error is thrown). */
export async function readSnapshot(path: string): Promise<FileSnapshot | undefined> {
  try {
    const [bytes, info] = await Promise.all([readFile(path), stat(path)]);
    return { bytes, mode: info.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

