import { writeFileAtomic } from '../config/fs-atomic.js';
import { readSnapshot } from '../adapters/file-snapshot.js';
import { classifyFiles, decideFileWrites, editedPaths, sha256Of, type FileChange, type OnDiskFile, type OnEdit } from '../plan/index.js';
import { loadFileRecords, saveFileRecords, type FileRecords } from '../state/index.js';
import { renderProjectFiles, type GeneratedFile } from '../../recipes/index.js';

export type { GeneratedFile };
import { CONFIG_FILE } from '../config/file-name.js';
import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';
import { UsageError } from './errors.js';
import { insideDir, type WriteOutcome } from './file-writes.js';
import { renderContextOf } from './render-context.js';

// Generated files are never overwritten silently once a person has edited them: each is classified
// against the disk and .swarm-wiz/files.json (src/plan/file-changes.ts), the decision for all of them
// is made before the first write, and what swarm-wiz writes is recorded.

/** The generated files against the disk and the record, before anything is written. */
export interface FileInspection {
  changes: FileChange[];
  records: FileRecords;
  /** The on-disk version of each edited file, to keep as `.orig`. */
  onDisk: ReadonlyMap<string, OnDiskFile>;
}

/** Reads what is on disk at every generated path and the record of what swarm-wiz wrote there. */
export async function inspectProjectFiles(dir: string, files: readonly GeneratedFile[]): Promise<FileInspection> {
  const records = await loadFileRecords(dir);
  const found = await Promise.all(files.map(async (file) => [file.path, await readSnapshot(insideDir(dir, file.path))] as const));
  const onDisk = new Map(found.filter((entry): entry is readonly [string, OnDiskFile] => entry[1] !== undefined));
  return { changes: classifyFiles(files, onDisk, records.files), records, onDisk };
}

/** The choice for hand-edited files, and whether to remember it in files.json. */
export interface OnEditChoice {
  onEdit: OnEdit;
  remember: boolean;
}

/** Asks the person what to do with the files they edited by hand (the diff is shown already). */
export type AskOnEdit = (edited: readonly string[]) => Promise<OnEdit>;

/**
 * The choice for hand-edited files: the flag (remembered), else the one remembered, else — with
 * edited files and a person to ask — their answer (remembered), else `stop` (nothing is lost).
 */
export async function chooseOnEdit(inspection: FileInspection, options: { flag?: OnEdit; ask?: AskOnEdit }): Promise<OnEditChoice> {
  if (options.flag) return { onEdit: options.flag, remember: true };
  if (inspection.records.onEdit) return { onEdit: inspection.records.onEdit, remember: false };
  const edited = editedPaths(inspection.changes);
  if (edited.length === 0 || !options.ask) return { onEdit: 'stop', remember: false };
  return { onEdit: await options.ask(edited), remember: true };
}

/** The message of a run stopped by edited files: each file, and how to choose. */
export function editedStopMessage(edited: readonly string[]): string {
  return [
    `Edited by hand since swarm-wiz wrote ${edited.length === 1 ? 'it' : 'them'}, and swarm-wiz would overwrite ${edited.length === 1 ? 'it' : 'them'}:`,
    ...edited.map((path) => `  ${path}`),
    'Nothing was written. Choose what swarm-wiz does with a file you edited (remembered for this project):',
    '  --on-edit orig   keep your version as <file>.orig and write the new one',
    '  --on-edit stop   stop like this, writing nothing (the default without a terminal)',
  ].join('\n');
}

/**
 * Stops (UsageError) naming every edited file when the choice is `stop` and there are any; call it before
 * writing anything (swarm-wiz.yaml included). Only the choice itself, when given now, is recorded.
 */
export async function stopIfEdited(dir: string, inspection: FileInspection, choice: OnEditChoice): Promise<void> {
  const decision = decideFileWrites(inspection.changes, choice.onEdit);
  if (choice.remember) await saveFileRecords(dir, { ...inspection.records, onEdit: choice.onEdit });
  if (decision.kind === 'stop') throw new UsageError(editedStopMessage(decision.edited));
}

/** What the guarded write did. */
export interface GuardedOutcome extends WriteOutcome {
  /** path → where the version edited by hand was kept. */
  keptAsOrig: Record<string, string>;
  /** Edited by hand and not touched: swarm-wiz had no change for them. */
  leftAlone: string[];
}

/** Writes the files a decision names (the caller shows progress). */
export type FileWriter = (files: readonly GeneratedFile[]) => Promise<WriteOutcome>;

/** `<file>.orig`, or `<file>.orig.N` when that holds something else already: an earlier edit is never lost. */
async function origPathFor(dir: string, path: string, bytes: Uint8Array): Promise<string> {
  for (let n = 0; ; n += 1) {
    const candidate = n === 0 ? `${path}.orig` : `${path}.orig.${n}`;
    const there = await readSnapshot(insideDir(dir, candidate));
    if (there === undefined || sha256Of(there.bytes) === sha256Of(bytes)) return candidate;
  }
}

/**
 * Decides for every file first (a `stop` with edited files throws exit 2 before anything is written),
 * keeps each edited file as `.orig`, writes the rest through `write`, and records the sha256 of every
 * file written or found unchanged in .swarm-wiz/files.json (with the choice, when it is to be remembered).
 */
export async function writeGuarded(dir: string, inspection: FileInspection, choice: OnEditChoice, write: FileWriter): Promise<GuardedOutcome> {
  const records: FileRecords = choice.remember ? { ...inspection.records, onEdit: choice.onEdit } : inspection.records;
  await stopIfEdited(dir, inspection, choice);
  const decision = decideFileWrites(inspection.changes, choice.onEdit);
  if (decision.kind === 'stop') throw new Error('unreachable: stopIfEdited stops a run with edited files first');
  const keptAsOrig: Record<string, string> = {};
  for (const path of decision.keepAsOrig) {
    const mine = inspection.onDisk.get(path);
    if (!mine) continue;
    const orig = await origPathFor(dir, path, mine.bytes);
    await writeFileAtomic(insideDir(dir, orig), mine.bytes, mine.mode);
    keptAsOrig[path] = orig;
  }
  const outcome = await write(decision.write);
  const files = { ...records.files };
  for (const file of [...decision.unchanged, ...decision.write.filter((f) => outcome.written.includes(f.path))]) files[file.path] = sha256Of(file.content);
  await saveFileRecords(dir, { ...records, files });
  return { ...outcome, keptAsOrig, leftAlone: decision.leftAlone };
}

/** The lines saying what happened to edited files. */
export function editLines(outcome: GuardedOutcome): string[] {
  return [
    ...Object.entries(outcome.keptAsOrig).map(([path, orig]) => `  kept your version of ${path} as ${orig}`),
    ...outcome.leftAlone.map((path) => `  left ${path} as you edited it (swarm-wiz has no change for it)`),
  ];
}

/** Every generated file for the config, with what the state knows (private IPs); never swarm-wiz.yaml itself. */
export function projectFiles(config: Config, state: State): GeneratedFile[] {
  return renderProjectFiles(config, renderContextOf(state)).filter((file) => file.path !== CONFIG_FILE);
}

/** One line naming every file that could not be written and why. */
export function failedFilesMessage(outcome: WriteOutcome): string {
  return `${outcome.failed.length} file(s) could not be written: ${outcome.failed.map((f) => `${f.path} (${f.error})`).join(', ')}`;
}

/**
 * After provisioning: renders the files again with what the state now knows (private IPs) and
 * writes only those whose content changed. A file edited by hand is kept as `.orig` with `orig`;
 * with `stop` it is left as it is, with a warning (the cloud exists by now: stopping would help no
 * one). Its outcome's `written` are the paths rewritten.
 */
export async function rewriteChangedFiles(
  project: { config: Config; dir: string; state: State; before: readonly GeneratedFile[]; onEdit: OnEdit },
  files: FilesIo,
  warn: (line: string) => void,
): Promise<GuardedOutcome> {
  const { config, dir, onEdit } = project;
  const previous = new Map(project.before.map((file) => [file.path, file.content]));
  const changed = projectFiles(config, project.state).filter((file) => previous.get(file.path) !== file.content);
  if (changed.length === 0) return { written: [], failed: [], keptAsOrig: {}, leftAlone: [] };
  const inspection = await inspectProjectFiles(dir, changed);
  const edited = onEdit === 'stop' ? editedPaths(inspection.changes) : [];
  for (const path of edited) {
    warn(`warning: ${path} was edited by hand, so swarm-wiz left it as it is; it lacks what provisioning learned (private IPs). To write it: swarm-wiz apply --on-edit orig (your version kept as ${path}.orig).`);
  }
  const kept = { ...inspection, changes: inspection.changes.filter((change) => !edited.includes(change.file.path)) };
  const outcome = await writeDecidedFiles(dir, kept, { onEdit, remember: false }, files);
  if (outcome.failed.length > 0) throw new Error(failedFilesMessage(outcome));
  return outcome;
}

/** How the caller shows files being written: a live list, a line per file, or nothing. */
export interface FilesIo {
  /** Writes the files (each atomically, see writeProjectFiles) while showing them. */
  write: (dir: string, files: readonly GeneratedFile[]) => Promise<WriteOutcome>;
  /** Told what happened to the files edited by hand (see editLines). */
  wrote: (outcome: GuardedOutcome) => void;
}

/**
 * Writes what the choice for hand-edited files allows (see writeGuarded: a `stop` with edited files
 * stops before anything is written), shown as the caller shows files, and records what it wrote.
 */
export async function writeDecidedFiles(dir: string, inspection: FileInspection, choice: OnEditChoice, files: FilesIo): Promise<GuardedOutcome> {
  const outcome = await writeGuarded(dir, inspection, choice, (list) => (list.length === 0 ? Promise.resolve({ written: [], failed: [] }) : files.write(dir, list)));
  files.wrote(outcome);
  return outcome;
}
