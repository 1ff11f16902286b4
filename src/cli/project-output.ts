import { renderProjectFiles, type GeneratedFile } from '../../recipes/index.js';
import { DEFAULT_CONFIG_FILE } from './common-options.js';
import type { Config } from '../config/index.js';
import { planCloud, type PlanFacts } from '../plan/index.js';
import type { State } from '../state/index.js';
import type { ReviewFile } from '../../screens/review.js';
import type { ProjectPreview } from './project-preview.js';
import type { Prompter } from '../wizard/prompter.js';
import { CliExit, EXIT } from './exit.js';
import { writeProjectFiles, type WriteOutcome } from './file-writes.js';
import { editedPaths, formatFileChanges, type OnEdit } from '../plan/index.js';
import { inspectProjectFiles, reportEdits, writeGuarded, type FileInspection, type GuardedOutcome, type OnEditChoice } from './file-guard.js';
import { writeLine, type CliIo } from './io.js';
import { loadProjectState } from './project-state.js';
import { renderContextOf } from './render-context.js';

// Ink is loaded only to show something with it (project-screens.tsx): plan-only `apply --json`
// renders, plans and writes without it.

export type { ProjectPreview } from './project-preview.js';

interface PreviewOptions {
  planOnly: boolean;
  /** The caller saves swarm-wiz.yaml too (wizard, --example), so the review lists it. */
  savesConfig: boolean;
  /** What a look-up at DigitalOcean found (DNS zones, operator IP); none when plan-only. */
  facts?: PlanFacts;
}

/**
 * Renders every file (pure) and lists the cloud resources. Throws before any write if a recipe
 * fails, so a failure never leaves a half-generated project. swarm-wiz.yaml itself is saved by
 * the caller (saveConfig), never by a recipe.
 */
function previewProject(config: Config, dir: string, state: State, inspection: FileInspection, { planOnly, savesConfig, facts }: PreviewOptions): ProjectPreview {
  const files = inspection.changes.map((change) => change.file);
  const configRow: ReviewFile = { path: DEFAULT_CONFIG_FILE, mode: 0o644, description: 'the project: desired state, safe to commit (no secrets)' };
  const reviewFiles = [...(savesConfig ? [configRow] : []), ...inspection.changes.map((change) => ({ path: change.file.path, mode: change.file.mode, description: change.file.description, change }))];
  return { config, dir, files, inspection, reviewFiles, steps: planCloud(config, state, facts), planOnly, ...(state.target ? { target: state.target } : {}) };
}

/**
 * The preview against the recorded state and, with a token, what DigitalOcean has (a bad token
 * stops here, before anything is written). The DigitalOcean client is loaded only with a token.
 */
export async function previewWithCloud(io: CliIo, config: Config, dir: string, token: string | undefined, savesConfig: boolean): Promise<ProjectPreview> {
  const recorded = await loadProjectState(io, dir, config.project);
  const { state, facts } = token ? await (await import('./cloud-lookup.js')).lookUpCloud(config, recorded, token, io) : { state: recorded, facts: {} };
  const inspection = await inspectProjectFiles(dir, projectFiles(config, state));
  return previewProject(config, dir, state, inspection, { planOnly: !token, savesConfig, facts });
}

/** Asks before anything is written or created; a no stops the command. */
export async function confirmPreview(prompter: Prompter, preview: ProjectPreview): Promise<void> {
  const go = await prompter.confirm({ message: preview.planOnly ? 'Write these files?' : 'Write these files and make these changes in DigitalOcean?', default: true });
  if (!go) throw new CliExit(EXIT.failure, 'Cancelled; nothing was written.');
}

/** Every generated file for the config, with what the state knows (private IPs); never swarm-wiz.yaml itself. */
export function projectFiles(config: Config, state: State): GeneratedFile[] {
  return renderProjectFiles(config, renderContextOf(state)).filter((file) => file.path !== DEFAULT_CONFIG_FILE);
}

/** How file writing is shown: a live Ink list (terminal), a line per file, or nothing (--json). */
export type ProgressDisplay = 'ink' | 'lines' | 'none';

/** Writes the files, showing progress as asked. */
export async function writeFilesWithProgress(io: CliIo, dir: string, files: readonly GeneratedFile[], display: ProgressDisplay): Promise<WriteOutcome> {
  if (display === 'none') return writeProjectFiles(dir, files);
  if (display === 'lines') {
    return writeProjectFiles(dir, files, (event) => {
      if (event.type === 'done') writeLine(io.stdout, `  wrote ${event.path}`);
      if (event.type === 'failed') writeLine(io.stderr, `  FAILED ${event.path}: ${event.error}`);
    });
  }
  const { writeFilesLive } = await import('./project-screens.js');
  return writeFilesLive(io, dir, files);
}

/**
 * The files as the review shows them before writing: the Ink list with coloured diffs on a
 * terminal, plain text otherwise, nothing with --json.
 */
export async function showFileChanges(io: CliIo, dir: string, inspection: FileInspection, onEdit: OnEdit | undefined, display: ProgressDisplay): Promise<void> {
  if (display === 'none') return;
  if (display === 'lines') {
    writeLine(io.stdout, formatFileChanges(inspection.changes, onEdit ? { onEdit } : {}));
    return;
  }
  const { filesText } = await import('./project-screens.js');
  writeLine(io.stdout, filesText(dir, inspection, onEdit, io.stdout.columns || 160));
}

/**
 * Writes what the choice for hand-edited files allows (see writeGuarded: a `stop` with edited files
 * exits 2 before anything is written), showing progress as asked, and records what it wrote.
 */
export async function writeDecidedFiles(io: CliIo, dir: string, inspection: FileInspection, choice: OnEditChoice, display: ProgressDisplay): Promise<GuardedOutcome> {
  const outcome = await writeGuarded(dir, inspection, choice, (files) => (files.length === 0 ? Promise.resolve({ written: [], failed: [] }) : writeFilesWithProgress(io, dir, files, display)));
  if (display !== 'none') reportEdits(io, outcome);
  return outcome;
}

/**
 * After provisioning: renders the files again with what the state now knows (private IPs) and
 * writes only those whose content changed. A file edited by hand is kept as `.orig` with `orig`;
 * with `stop` it is left as it is, with a warning (the cloud exists by now: stopping would help no
 * one). Returns the paths rewritten.
 */
export async function rewriteChangedFiles(io: CliIo, config: Config, dir: string, state: State, before: readonly GeneratedFile[], onEdit: OnEdit, display: ProgressDisplay): Promise<string[]> {
  const previous = new Map(before.map((file) => [file.path, file.content]));
  const changed = projectFiles(config, state).filter((file) => previous.get(file.path) !== file.content);
  if (changed.length === 0) return [];
  const inspection = await inspectProjectFiles(dir, changed);
  const edited = onEdit === 'stop' ? editedPaths(inspection.changes) : [];
  for (const path of edited) {
    writeLine(io.stderr, `warning: ${path} was edited by hand, so swarm-wiz left it as it is; it lacks what provisioning learned (private IPs). To write it: swarm-wiz apply --on-edit orig (your version kept as ${path}.orig).`);
  }
  const kept = { ...inspection, changes: inspection.changes.filter((change) => !edited.includes(change.file.path)) };
  const outcome = await writeDecidedFiles(io, dir, kept, { onEdit, remember: false }, display);
  if (outcome.failed.length > 0) throw new Error(failedFilesMessage(outcome));
  return outcome.written;
}

/** One line naming every file that could not be written and why. */
export function failedFilesMessage(outcome: WriteOutcome): string {
  return `${outcome.failed.length} file(s) could not be written: ${outcome.failed.map((f) => `${f.path} (${f.error})`).join(', ')}`;
}
