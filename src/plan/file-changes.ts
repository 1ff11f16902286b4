import type { GeneratedFile } from '../../recipes/index.js';
import { sha256Hex } from '../../recipes/names.js';
import type { OnEdit } from '../state/file-records.js';
import { unifiedDiff, type DiffLine } from './file-diff.js';

// Generated files against what is on disk and what swarm-wiz recorded writing there
// (.swarm-wiz/files.json): pure, so the whole decision is made before the first file is written.

/**
 * What writing one generated file would do:
 * - `new`: not on disk yet;
 * - `unchanged`: on disk exactly as swarm-wiz would write it;
 * - `changed`: on disk as swarm-wiz last wrote it, and swarm-wiz now writes something else;
 * - `unrecorded`: on disk, different, and written before swarm-wiz recorded what it writes: treated as `changed`;
 * - `edited`: edited by hand since swarm-wiz wrote it, and swarm-wiz now writes something else;
 * - `edited-kept`: edited by hand, but swarm-wiz has no change for it: left as it is.
 */
export type FileStatus = 'new' | 'unchanged' | 'changed' | 'unrecorded' | 'edited' | 'edited-kept';

/** A file as found on disk. */
export interface OnDiskFile {
  bytes: Uint8Array;
  mode: number;
}

/** One generated file classified against the disk and the record. */
export interface FileChange {
  file: GeneratedFile;
  status: FileStatus;
  /** Keys, certificates, anything 0600: named only, never diffed or shown. */
  secret: boolean;
  /** On disk → new, for `changed`, `unrecorded` and `edited` files that are not secret; otherwise empty. */
  diff: DiffLine[];
}

/** Hex sha256 of a file's content: what files.json records per path. */
export const sha256Of = sha256Hex;

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;

/** Private to its owner (no group or other bits). */
const isPrivateMode = (mode: number) => (mode & 0o077) === 0;

/** True when the file, new or on disk, must never be shown: 0600 either side, or a PEM key or certificate inside. */
export function isSecretMaterial(file: GeneratedFile, disk: OnDiskFile | undefined): boolean {
  if (isPrivateMode(file.mode) || PEM_BLOCK.test(file.content)) return true;
  return disk !== undefined && (isPrivateMode(disk.mode) || PEM_BLOCK.test(Buffer.from(disk.bytes).toString('latin1')));
}

/** Classifies one generated file; `recorded` is the sha256 swarm-wiz recorded writing at its path, if any. */
export function classifyFile(file: GeneratedFile, disk: OnDiskFile | undefined, recorded: string | undefined): FileChange {
  const secret = isSecretMaterial(file, disk);
  if (disk === undefined) return { file, status: 'new', secret, diff: [] };
  const onDisk = sha256Of(disk.bytes);
  const next = sha256Of(file.content);
  const status: FileStatus =
    onDisk === next ? 'unchanged' : recorded === undefined ? 'unrecorded' : onDisk === recorded ? 'changed' : next === recorded ? 'edited-kept' : 'edited';
  const shows = !secret && (status === 'changed' || status === 'unrecorded' || status === 'edited');
  const labels = status === 'edited' ? { old: 'your edit, on disk', new: "swarm-wiz's new version" } : { old: 'on disk', new: 'new' };
  return { file, status, secret, diff: shows ? unifiedDiff(file.path, Buffer.from(disk.bytes).toString('utf8'), file.content, labels) : [] };
}

/** Classifies every generated file (see classifyFile). */
export function classifyFiles(files: readonly GeneratedFile[], onDisk: ReadonlyMap<string, OnDiskFile>, recorded: Readonly<Record<string, string>>): FileChange[] {
  return files.map((file) => classifyFile(file, onDisk.get(file.path), recorded[file.path]));
}

/** The paths of files edited by hand that swarm-wiz would overwrite. */
export function editedPaths(changes: readonly FileChange[]): string[] {
  return changes.filter((change) => change.status === 'edited').map((change) => change.file.path);
}

/** What to do with every file, decided before the first one is written. */
export type FileWriteDecision =
  /** Write nothing: these files were edited by hand and the choice is `stop`. */
  | { kind: 'stop'; edited: string[] }
  | {
      kind: 'write';
      /** In order: new, changed, unrecorded and (with `orig`) edited files. */
      write: GeneratedFile[];
      /** Edited files whose on-disk version is first kept as `<file>.orig`. */
      keepAsOrig: string[];
      /** Edited by hand, and swarm-wiz has no change for them: not touched. */
      leftAlone: string[];
      /** Already as swarm-wiz would write them: not written, only recorded. */
      unchanged: GeneratedFile[];
    };

/** The decision for all files under the user's choice for hand-edited ones. */
export function decideFileWrites(changes: readonly FileChange[], onEdit: OnEdit): FileWriteDecision {
  const edited = editedPaths(changes);
  if (edited.length > 0 && onEdit === 'stop') return { kind: 'stop', edited };
  const write = changes.filter((c) => c.status === 'new' || c.status === 'changed' || c.status === 'unrecorded' || c.status === 'edited').map((c) => c.file);
  return {
    kind: 'write',
    write,
    keepAsOrig: edited,
    leftAlone: changes.filter((c) => c.status === 'edited-kept').map((c) => c.file.path),
    unchanged: changes.filter((c) => c.status === 'unchanged').map((c) => c.file),
  };
}
