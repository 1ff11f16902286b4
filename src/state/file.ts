import { chmod, lstat, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../config/fs-atomic.js';
import { formatPath, showValue } from '../config/index.js';
import { emptyState, stateSchema, type State } from './schema.js';

/** Where a project's state lives, relative to its directory. */
export const STATE_FILE = join('.swarm-wiz', 'state.json');

export function statePath(dir: string): string {
  return join(dir, STATE_FILE);
}

/** The state file exists but cannot be used; the message says which field and what to do. */
export class StateFileError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path} is not a valid swarm-wiz state file: ${reason}. It lists the cloud resources swarm-wiz created; restore it from a backup rather than deleting it, or those resources become orphans.`);
    this.name = 'StateFileError';
  }
}

/** Validates state JSON text; throws StateFileError naming the first bad field. */
export function parseState(text: string, path = STATE_FILE): State {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // Where, never what: the parser's message quotes the text (a state.json linked to another file would show it).
    throw new StateFileError(path, text.trim() === '' ? 'it is empty' : `not JSON (${jsonErrorPlace(text, (error as Error).message)})`);
  }
  const result = stateSchema.safeParse(document);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new StateFileError(path, issues.join('; '));
  }
  return result.data;
}

/** `line L, column C` of a JSON.parse error, from the position its message names (else the end of the text: it was cut short). */
function jsonErrorPlace(text: string, message: string): string {
  const position = /position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}${position ? '' : ', where it ends too early'}`;
}

/** Reads `<dir>/.swarm-wiz/state.json`; a missing file is an empty state for `project`. */
export async function loadState(dir: string, project: string): Promise<State> {
  const path = statePath(dir);
  let text: string;
  try {
    const found = await lstat(path);
    // swarm-wiz writes a plain file (atomically); a link or a folder there is not its state.
    if (found.isSymbolicLink()) throw new StateFileError(path, 'it is a symbolic link, which swarm-wiz does not follow (it writes state.json as a plain file); replace the link with the file');
    if (found.isDirectory()) throw new StateFileError(path, 'it is a directory, not a file');
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof StateFileError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(project);
    throw new StateFileError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const state = parseState(text, path);
  if (state.project !== project) {
    throw new StateFileError(path, `it belongs to project ${showValue(state.project)}, not ${showValue(project)} (check --dir and the project key in swarm-wiz.yaml)`);
  }
  return state;
}

/** A state and what loading it had to change, each a sentence to show the user. */
export interface SecuredState {
  state: State;
  warnings: string[];
}

/** Makes `path` `mode` when group or others have any access to it; returns what it did, or nothing. */
async function makePrivate(path: string, mode: number, said: (was: string) => string): Promise<string | undefined> {
  const found = await stat(path).catch(() => undefined);
  if (!found || (found.mode & 0o077) === 0) return undefined;
  const was = `0${(found.mode & 0o777).toString(8)}`;
  try {
    await chmod(path, mode);
  } catch (error) {
    return `${path} is mode ${was}: others may read it, and swarm-wiz could not change that (${(error as NodeJS.ErrnoException).code ?? String(error)}). Run chmod ${mode.toString(8)} ${path}.`;
  }
  return said(was);
}

/**
 * loadState for a command a person runs: first makes `.swarm-wiz/` 0700 and `state.json` 0600
 * when other users could read them (a copy, an old version, a umask), and says so, once: the next
 * load finds them private.
 */
export async function loadStateSecured(dir: string, project: string): Promise<SecuredState> {
  const path = statePath(dir);
  const folder = await makePrivate(dirname(path), 0o700, (was) => `${dirname(path)} could be listed by other users (mode ${was}); swarm-wiz made it 0700.`);
  const file = await makePrivate(
    path,
    0o600,
    (was) =>
      `${path} could be read by other users (mode ${was}); swarm-wiz made it 0600. It may hold the swarm's join tokens: if someone else may have read it, rotate them (docker swarm join-token --rotate worker, and manager).`,
  );
  const state = await loadState(dir, project);
  return { state, warnings: [folder, file].filter((warning) => warning !== undefined) };
}

/** Writes the state atomically with mode 0600: it may hold join tokens. */
export async function saveState(dir: string, state: State): Promise<void> {
  const valid = stateSchema.parse(state);
  await writeFileAtomic(statePath(dir), `${JSON.stringify(valid, null, 2)}\n`, 0o600);
}
