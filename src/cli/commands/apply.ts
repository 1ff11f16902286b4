import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ApplyIo, ApplyOutcome, ApplyRequest, NotDeployed } from '../../app/apply.js';
import { Cancelled } from '../../app/errors.js';
import type { fileJson as FileJson } from '../../app/file-json.js';
import type { OnEdit } from '../../app/plan-text.js';
import type { GuardedOutcome, OnEditChoice } from '../../app/project-files.js';
import type { ProjectPreview } from '../../app/project-preview.js';
import { DEFAULT_CONFIG_FILE, dirOption, projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { cloudEnv, invocation, prompterOf, writeLine, type CliIo } from '../io.js';
import { cloudSummary, liveRunIo, progressMode } from '../live-run.js';
import { ON_EDIT_HELP, parseOnEdit } from '../on-edit-option.js';
import type { ProgressDisplayMode } from '../../../screens/apply-progress-live.js';

import { afterInk, releaseStdin } from '../terminal-handoff.js';

// The implementation's modules are imported inside the functions that use them, so `--help` and
// the other commands do not load them, plan-only apply never loads the DigitalOcean client, and
// plan-only `apply --json` never loads Ink.

interface ApplyOptions extends CommonOptions {
  example: boolean;
  target?: string;
  advertiseAddr?: string;
  caCert?: string;
  dnsServer?: string[];
  cloudOnly: boolean;
  onEdit?: string;
  startEmpty: boolean;
}

const TARGETS = ['digitalocean', 'local'] as const;

/** Where --example writes when no --dir is given. */
export const EXAMPLE_DIR = 'swarm-wiz-example';

export const PLAN_ONLY_LINE = 'Plan-only: DIGITALOCEAN_TOKEN is not set, so swarm-wiz writes the files and creates nothing in DigitalOcean.';
export const EXAMPLE_PLAN_ONLY_LINE = "Plan-only: --example writes the article's example project and never creates anything in DigitalOcean.";

export function registerApplyCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('apply'))
    .description('write every file from swarm-wiz.yaml and, with DIGITALOCEAN_TOKEN set, create the cloud resources; no questions with --yes')
    .option('--example', "use the article's example project (a.com, b.com, c.com with services A, B, C); always plan-only", false)
    .option('--target <target>', "where the project runs: digitalocean (droplets; the default) or local (this machine's Docker engine as a one-node swarm)")
    .option('--advertise-addr <address>', '--target local: the address to advertise when the engine is not in a swarm yet')
    .option('--ca-cert <file>', 'PEM file to trust for the CA (a private or test ACME server)')
    .option('--dns-server <address...>', "dns-01: DNS servers (IP[:PORT]) to check the TXT records at instead of the zone's name servers")
    .option('--cloud-only', 'create the DigitalOcean resources and write the files, but do not deploy to the droplets', false)
    .option('--start-empty', 'start a service with volumes on an empty volume after the droplet holding its data was replaced, even when backups exist (else it stays at 0 replicas until swarm-wiz restore)', false)
    .option('--on-edit <choice>', ON_EDIT_HELP)
    .action(async (options: ApplyOptions) => {
      try {
        await applyCommand(options, io);
      } finally {
        releaseStdin(io);
      }
    });
}

async function applyCommand(options: ApplyOptions, io: CliIo): Promise<void> {
  const example = options.example;
  if (options.target !== undefined && !(TARGETS as readonly string[]).includes(options.target)) {
    throw new CliExit(EXIT.usage, `--target ${JSON.stringify(options.target)} is not a target (one of ${TARGETS.join(', ')})`);
  }
  if (example && options.target === 'local') {
    throw new CliExit(EXIT.usage, "--example is plan-only (its images are placeholders like ghcr.io/me/a:1.0); for --target local write a swarm-wiz.yaml with images this machine has.");
  }
  await applyAndReport(applyRequest(options, io), { json: options.json, yes: options.yes, example }, io);
}

/** What the person asked for besides the request: JSON or text, questions or --yes, the example. */
export interface Asked {
  json: boolean;
  yes: boolean;
  example: boolean;
}

/** The one use case, then what it did as text or JSON. */
export async function applyAndReport(request: ApplyRequest, asked: Asked, io: CliIo): Promise<void> {
  // Imported here, not at the top: every command (and --help) starts by loading this file.
  const { apply } = await import('../../app/apply.js');
  const outcome = await apply(request, await applyIo(io, asked, request.target));
  await report(io, outcome, asked.json, request.config.path);
}

/** What apply shows and asks: live progress, the review or the file list, the files as they are written. */
async function applyIo(io: CliIo, asked: Asked, target: ApplyRequest['target']): Promise<ApplyIo> {
  const { filesIo, shows } = await import('../project-display.js');
  const display = progressMode(io, asked.json);
  return {
    ...liveRunIo(io, { json: asked.json, command: 'apply' }),
    decideEdits: (preview, flag) => (target === 'local' ? decideLocally(io, preview, flag, asked.yes, display) : decide(io, preview, flag, { reviewed: !asked.yes && !asked.example, example: asked.example, display })),
    files: { ...filesIo(io, display), savedConfig: () => shows(display) && writeLine(io.stdout, `  wrote ${DEFAULT_CONFIG_FILE}`) },
    note: (line) => !asked.json && writeLine(io.stderr, line),
    ...(display === 'lines' ? { provisioned: (result) => cloudSummary(io, result) } : {}),
  };
}

/**
 * The review (on a terminal, without --yes) shows the diffs, asks about hand-edited files and
 * confirms; otherwise the choice is the flag's or the remembered one, else stop, and the files are listed.
 */
async function decide(io: CliIo, preview: ProjectPreview, flag: OnEdit | undefined, how: { reviewed: boolean; example: boolean; display: ProgressDisplayMode }): Promise<OnEditChoice> {
  const [{ chooseOnEdit }, { showFileChanges, shows }] = await Promise.all([import('../../app/project-files.js'), import('../project-display.js')]);
  const choice = how.reviewed ? await confirmOrStop(io, preview, flag) : await chooseOnEdit(preview.inspection, flag ? { flag } : {});
  if (preview.planOnly && shows(how.display)) writeLine(io.stdout, how.example ? EXAMPLE_PLAN_ONLY_LINE : PLAN_ONLY_LINE);
  if (!how.reviewed) await showFileChanges(io, preview.dir, preview.inspection, choice.onEdit, how.display);
  return choice;
}

/** --target local: the file list, then (without --yes) the question about edited files and a confirmation. */
async function decideLocally(io: CliIo, preview: ProjectPreview, flag: OnEdit | undefined, yes: boolean, display: ProgressDisplayMode): Promise<OnEditChoice> {
  const [{ chooseOnEdit }, { askOnEdit, showFileChanges }] = await Promise.all([import('../../app/project-files.js'), import('../project-display.js')]);
  const { config, dir, inspection } = preview;
  if (yes) {
    const choice = await chooseOnEdit(inspection, flag ? { flag } : {});
    await showFileChanges(io, dir, inspection, choice.onEdit, display);
    return choice;
  }
  if (!io.isTTY) throw new CliExit(EXIT.usage, 'apply --target local needs a confirmation: pass --yes to apply without questions (no terminal to ask on).');
  await showFileChanges(io, dir, inspection, flag ?? inspection.records.onEdit, display);
  afterInk(io);
  const choice = await chooseOnEdit(inspection, { ...(flag ? { flag } : {}), ask: askOnEdit(io) });
  const prompter = await prompterOf(io);
  const go = await prompter.confirm({ message: `Deploy ${config.project} (${config.sites.length} sites) to this machine's Docker engine as a one-node swarm?`, default: true });
  if (!go) throw new Cancelled();
  return choice;
}

/** The flags as a request: where the project is, where it runs (no token: plan-only), and what reaches the cloud. */
function applyRequest(options: ApplyOptions, io: CliIo): ApplyRequest {
  const cloud = cloudEnv(io.env);
  const { configPath, dir } = options.example ? examplePaths(options, io) : projectPaths(options, io);
  const onEdit = parseOnEdit(options.onEdit);
  return {
    config: options.example ? { from: 'example', path: configPath } : { from: 'file', path: configPath },
    dir,
    target: options.target === 'local' ? 'local' : options.example || !cloud.token ? 'plan-only' : 'digitalocean',
    cloudOnly: options.cloudOnly,
    credentials: { ...cloud, env: io.env },
    ...(onEdit ? { onEdit } : {}),
    ...(options.caCert ? { caCertFile: resolve(io.cwd, options.caCert) } : {}),
    ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
    ...(options.advertiseAddr ? { advertiseAddr: options.advertiseAddr } : {}),
    ...(options.startEmpty ? { startEmpty: true } : {}),
  };
}

/** --example: the article's project in --dir, else in ./swarm-wiz-example. */
function examplePaths(options: ApplyOptions, io: CliIo): { configPath: string; dir: string } {
  const dir = dirOption(options.dir ?? EXAMPLE_DIR, io);
  return { configPath: join(dir, DEFAULT_CONFIG_FILE), dir };
}

/** What apply did, as text or JSON. */
async function report(io: CliIo, outcome: ApplyOutcome, json: boolean, configPath: string): Promise<void> {
  const { fileJson } = await import('../../app/file-json.js');
  if (outcome.target === 'local') {
    if (json) {
      writeLine(io.stdout, JSON.stringify({ project: outcome.config.project, target: 'local', changed: outcome.changed, issued: outcome.issued, held: outcome.holds.held, startedEmpty: outcome.holds.startEmpty }));
      return;
    }
    for (const line of outcome.holdLines) writeLine(io.stdout, `! ${line}`);
    if (!io.isTTY) {
      writeLine(io.stdout, outcome.changed.length === 0 ? 'This machine already runs the project as swarm-wiz.yaml says: nothing changed.' : `This machine: ${outcome.changed.length} step${outcome.changed.length === 1 ? '' : 's'} done.`);
    }
    writeLine(io.stdout, `Serving on this machine (ports 80 and 443): ${outcome.config.sites.map((site) => `https://${site.domain}/`).join(' ')}`);
    return;
  }
  if (outcome.target === 'plan-only') {
    if (json) {
      writeLine(io.stdout, JSON.stringify(jsonSummary(outcome.preview, outcome.files, outcome.savedConfig, fileJson)));
      return;
    }
    const { cloudText } = await import('../../../screens/project-text.js');
    writeLine(io.stdout);
    writeLine(io.stdout, cloudText(outcome.preview, io.stdout.columns || 160));
    writeLine(io.stdout);
    writeLine(io.stdout, `To create it: export DIGITALOCEAN_TOKEN=… and run ${invocation(io.env)} apply --config ${configPath} --yes`);
    return;
  }
  const { deploy, cloud } = outcome;
  const issued = 'issued' in deploy ? deploy.issued : [];
  if (!json) {
    if ('not' in deploy) writeLine(io.stdout, deploy.not === 'cloud-only' ? `Not deployed to the droplets (--cloud-only). To deploy: ${invocation(io.env)} apply --config ${configPath} --yes` : notDeployedLine(deploy.not));
    else {
      if (issued.length > 0) writeLine(io.stdout, `Certificates ordered and rolled out: ${issued.join(', ')}.`);
      for (const line of deploy.holdLines) writeLine(io.stdout, `! ${line}`);
    }
    return;
  }
  const held = 'holds' in deploy ? { held: deploy.holds.held, startedEmpty: deploy.holds.startEmpty } : {};
  writeLine(io.stdout, JSON.stringify({ ...jsonSummary({ ...outcome.preview, steps: cloud.steps }, outcome.files, undefined, fileJson), rewritten: outcome.rewritten, manualDns: cloud.manualDns, deployed: 'issued' in deploy, issued, ...held }));
}

function notDeployedLine(not: NotDeployed): string {
  return typeof not === 'object' ? not.missing : 'Not deployed.';
}

/** The review (diffs included), the question about hand-edited files if there are any, then the confirmation. */
async function confirmOrStop(io: CliIo, preview: ProjectPreview, flag: OnEdit | undefined): Promise<OnEditChoice> {
  if (!io.isTTY) {
    throw new CliExit(EXIT.usage, 'apply needs a confirmation: pass --yes to apply without questions (no terminal to ask on).');
  }
  const [{ reviewText }, { askOnEdit, confirmPreview }, { chooseOnEdit }, prompter] = await Promise.all([import('../../../screens/project-text.js'), import('../project-display.js'), import('../../app/project-files.js'), prompterOf(io)]);
  writeLine(io.stdout, reviewText(preview, io.stdout.columns || 160, flag ?? preview.inspection.records.onEdit));
  afterInk(io);
  const choice = await chooseOnEdit(preview.inspection, { ...(flag ? { flag } : {}), ask: askOnEdit(io) });
  await confirmPreview(prompter, preview);
  return choice;
}

function jsonSummary(preview: Pick<ProjectPreview, 'config' | 'dir' | 'planOnly' | 'inspection' | 'steps'>, outcome: GuardedOutcome, savedConfig: string | undefined, fileJson: typeof FileJson) {
  return {
    project: preview.config.project,
    dir: preview.dir,
    planOnly: preview.planOnly,
    ...(savedConfig ? { config: savedConfig } : {}),
    files: preview.inspection.changes.map((change) => ({
      ...fileJson(change),
      written: outcome.written.includes(change.file.path),
      ...(outcome.keptAsOrig[change.file.path] ? { keptAs: outcome.keptAsOrig[change.file.path] } : {}),
    })),
    cloud: preview.steps.map(({ op, kind, name, description }) => ({ op, kind, name, description })),
  };
}
