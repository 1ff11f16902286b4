import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../config/fs-atomic.js';
import { formatPath, showValue } from '../config/index.js';

// Kept apart from state.json: plan-only runs and --example write files but create nothing, and
// state.json is "what was created" (destroy reads it, the support server gets a copy, the engine's
// StateStore owns it during a run). This file is written only by the CLI around the file writes.

/** What to do with a file edited by hand that swarm-wiz would overwrite: keep it beside as `<file>.orig`, or stop. */
export const ON_EDIT_CHOICES = ['orig', 'stop'] as const;
export type OnEdit = (typeof ON_EDIT_CHOICES)[number];

/** Where swarm-wiz records the files it wrote, relative to the project directory. */
export const FILE_RECORDS = join('.swarm-wiz', 'files.json');

export const FILE_RECORDS_VERSION = 1;

const fileRecordsSchema = z.strictObject({
  version: z.literal(FILE_RECORDS_VERSION, { error: (i) => `version ${showValue(i.input)} is not ${FILE_RECORDS_VERSION} (written by another swarm-wiz version?)` }),
  /** The user's choice for a file edited by hand that swarm-wiz would overwrite, once made. */
  onEdit: z.enum(ON_EDIT_CHOICES, { error: (i) => `${showValue(i.input)} is not one of ${ON_EDIT_CHOICES.join(', ')}` }).optional(),
  /** Per generated file (path relative to the project): the sha256 of what swarm-wiz last wrote there. */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, 'is not a sha256 in hex')).default({}),
});

export type FileRecords = z.output<typeof fileRecordsSchema>;

export function emptyFileRecords(): FileRecords {
  return { version: FILE_RECORDS_VERSION, files: {} };
}

/** `.swarm-wiz/files.json` exists but cannot be used. */
export class FileRecordsError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path} is not a valid swarm-wiz file record: ${reason}. Delete it to start over: swarm-wiz then takes the files on disk as its own.`);
    this.name = 'FileRecordsError';
  }
}

/** Reads `<dir>/.swarm-wiz/files.json`; missing (a project from before it existed) is an empty record. */
export async function loadFileRecords(dir: string): Promise<FileRecords> {
  const path = join(dir, FILE_RECORDS);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyFileRecords();
    throw new FileRecordsError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new FileRecordsError(path, `not JSON (${(error as Error).message})`);
  }
  const result = fileRecordsSchema.safeParse(document);
  if (!result.success) throw new FileRecordsError(path, result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; '));
  return result.data;
}

/** Writes the record atomically (0600, in the private .swarm-wiz/). */
export async function saveFileRecords(dir: string, records: FileRecords): Promise<void> {
  const valid = fileRecordsSchema.parse(records);
  await writeFileAtomic(join(dir, FILE_RECORDS), `${JSON.stringify(valid, null, 2)}\n`, 0o600);
}

