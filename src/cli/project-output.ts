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
function previewProject(config: Config, dir: string, state: State, { planOnly, savesConfig, facts }: PreviewOptions): ProjectPreview {
  const files = projectFiles(config, state);
  const configRow: ReviewFile = { path: DEFAULT_CONFIG_FILE, mode: 0o644, description: 'the project: desired state, safe to commit (no secrets)' };
  const reviewFiles = [...(savesConfig ? [configRow] : []), ...files.map(({ path, mode, description }) => ({ path, mode, description }))];
  return { config, dir, files, reviewFiles, steps: planCloud(config, state, facts), planOnly, ...(state.target ? { target: state.target } : {}) };
}

/**
 * The preview against the recorded state and, with a token, what DigitalOcean has (a bad token
 * stops here, before anything is written). The DigitalOcean client is loaded only with a token.
 */
export async function previewWithCloud(io: CliIo, config: Config, dir: string, token: string | undefined, savesConfig: boolean): Promise<ProjectPreview> {
  const recorded = await loadProjectState(io, dir, config.project);
  const { state, facts } = token ? await (await import('./cloud-lookup.js')).lookUpCloud(config, recorded, token, io) : { state: recorded, facts: {} };
  return previewProject(config, dir, state, { planOnly: !token, savesConfig, facts });
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
 * After provisioning: renders the files again with what the state now knows (private IPs) and
 * writes only those whose content changed. Returns the paths rewritten.
 */
export async function rewriteChangedFiles(io: CliIo, config: Config, dir: string, state: State, before: readonly GeneratedFile[], display: ProgressDisplay): Promise<string[]> {
  const previous = new Map(before.map((file) => [file.path, file.content]));
  const changed = projectFiles(config, state).filter((file) => previous.get(file.path) !== file.content);
  if (changed.length === 0) return [];
  const outcome = await writeFilesWithProgress(io, dir, changed, display);
  if (outcome.failed.length > 0) throw new Error(failedFilesMessage(outcome));
  return outcome.written;
}

/** One line naming every file that could not be written and why. */
export function failedFilesMessage(outcome: WriteOutcome): string {
  return `${outcome.failed.length} file(s) could not be written: ${outcome.failed.map((f) => `${f.path} (${f.error})`).join(', ')}`;
}
