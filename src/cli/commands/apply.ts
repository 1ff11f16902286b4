import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config/index.js';
import { DEFAULT_CONFIG_FILE, dirOption, projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { cloudEnv, prompterOf, writeLine, type CliIo } from '../io.js';
import type { ProgressDisplay, ProjectPreview } from '../project-output.js';
import type { GuardedOutcome, OnEditChoice } from '../file-guard.js';
import type { fileJson as FileJson } from '../file-json.js';
import type { OnEdit } from '../../plan/index.js';
import { ON_EDIT_HELP, parseOnEdit } from '../on-edit-option.js';
import { changingProject } from '../../app/project-lock.js';
import { afterInk, releaseStdin } from '../terminal-handoff.js';
import { registryCredentials } from '../../../recipes/registry-login.js';

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
    .option('--on-edit <choice>', ON_EDIT_HELP)
    .action(async (options: ApplyOptions) => {
      try {
        // Every apply (plan-only too: it writes the files) holds the project lock from before it reads
        // swarm-wiz.yaml until its last write: another command that changes the project stops at once.
        const dir = options.example ? dirOption(options.dir ?? EXAMPLE_DIR, io) : projectPaths(options, io).dir;
        await changingProject(dir, 'apply', () => applyCommand(options, io));
      } finally {
        releaseStdin(io);
      }
    });
}

interface Project {
  config: Config;
  configPath: string;
  dir: string;
}

async function applyCommand(options: ApplyOptions, io: CliIo): Promise<void> {
  const [{ saveConfig }, { failedFilesMessage, previewWithCloud, rewriteChangedFiles, showFileChanges, writeDecidedFiles }, { chooseOnEdit, stopIfEdited }, { fileJson }] = await Promise.all([
    import('../../config/index.js'),
    import('../project-output.js'),
    import('../file-guard.js'),
    import('../file-json.js'),
  ]);
  const example = options.example;
  const onEditFlag = parseOnEdit(options.onEdit);
  if (options.target !== undefined && !(TARGETS as readonly string[]).includes(options.target)) {
    throw new CliExit(EXIT.usage, `--target ${JSON.stringify(options.target)} is not a target (one of ${TARGETS.join(', ')})`);
  }
  if (example && options.target === 'local') {
    throw new CliExit(EXIT.usage, "--example is plan-only (its images are placeholders like ghcr.io/me/a:1.0); for --target local write a swarm-wiz.yaml with images this machine has.");
  }
  const { config, configPath, dir } = example ? await exampleProject(options, io) : await projectFromFile(options, io);
  if (options.target === 'local') {
    const { applyLocalCommand } = await import('../apply-local.js');
    await applyLocalCommand({
      config,
      dir,
      io,
      yes: options.yes,
      json: options.json,
      ...(onEditFlag ? { onEdit: onEditFlag } : {}),
      ...(options.advertiseAddr ? { advertiseAddr: options.advertiseAddr } : {}),
      ...(options.caCert ? { caCertFile: resolve(io.cwd, options.caCert) } : {}),
      ...(await dnsOptions(io, config, options)),
    });
    return;
  }
  const token = example ? undefined : cloudEnv(io.env).token;
  const preview = await previewWithCloud(io, config, dir, token, example);
  // The review (on a terminal, without --yes) shows the diffs, asks about hand-edited files and
  // confirms; otherwise the choice is the flag's or the remembered one, else stop.
  const reviewed = !options.yes && !example;
  const choice = reviewed ? await confirmOrStop(io, preview, onEditFlag) : await chooseOnEdit(io, preview.inspection, { ...(onEditFlag ? { flag: onEditFlag } : {}), interactive: false });

  const display: ProgressDisplay = options.json ? 'none' : io.isTTY ? 'ink' : 'lines';
  if (!token && !options.json) writeLine(io.stdout, example ? EXAMPLE_PLAN_ONLY_LINE : PLAN_ONLY_LINE);
  if (!reviewed) await showFileChanges(io, dir, preview.inspection, choice.onEdit, display);
  // Decided for every file before the first write (swarm-wiz.yaml included).
  await stopIfEdited(dir, preview.inspection, choice);
  if (example) {
    await saveConfig(configPath, config);
    if (display !== 'none') writeLine(io.stdout, `  wrote ${DEFAULT_CONFIG_FILE}`);
  }
  // Files first, so they exist even if the cloud half fails; they are rendered again below once
  // provisioning has recorded the private IPs they mention.
  const outcome = await writeDecidedFiles(io, dir, preview.inspection, choice, display);
  if (outcome.failed.length > 0) throw new CliExit(EXIT.failure, failedFilesMessage(outcome));

  if (!token) {
    if (options.json) {
      writeLine(io.stdout, JSON.stringify(jsonSummary(preview, outcome, example ? configPath : undefined, fileJson)));
      return;
    }
    const { cloudText } = await import('../project-screens.js');
    writeLine(io.stdout);
    writeLine(io.stdout, cloudText(preview, io.stdout.columns || 160));
    writeLine(io.stdout);
    writeLine(io.stdout, `To create it: export DIGITALOCEAN_TOKEN=… and run swarm-wiz apply --config ${configPath} --yes`);
    return;
  }

  // A profile the CA does not offer fails now, before anything is created (and paid for).
  const { checkProfileBeforeCloud } = await import('../../app/profile-check.js');
  const { UnknownProfileError } = await import('../../adapters/acme/errors.js');
  const profileNote = await checkProfileBeforeCloud(config, options.caCert ? resolve(io.cwd, options.caCert) : undefined).catch((error: unknown) => {
    if (error instanceof UnknownProfileError) throw new CliExit(EXIT.usage, `${error.message}. Nothing was created.`);
    throw error;
  });
  if (profileNote && !options.json) writeLine(io.stderr, `Note: ${profileNote}.`);

  const { provisionCloud } = await import('../provision-cloud.js');
  const result = await provisionCloud({ config, dir, token, io, json: options.json });
  const rewritten = await rewriteChangedFiles(io, config, dir, result.state, preview.files, choice.onEdit, display);
  const deploy = options.cloudOnly ? 'skipped' : deployableByItself(config, io.env);
  let issued: string[] = [];
  if (deploy === true) {
    const { deployDropletsCommand } = await import('../deploy-droplets.js');
    issued = await deployDropletsCommand({ config, dir, io, json: options.json, ...(options.caCert ? { caCertFile: resolve(io.cwd, options.caCert) } : {}), ...(await dnsOptions(io, config, options)) });
  } else if (!options.json) {
    writeLine(io.stdout, deploy === 'skipped' ? `Not deployed to the droplets (--cloud-only). To deploy: swarm-wiz apply --config ${configPath} --yes` : deploy);
  }
  if (options.json) {
    writeLine(io.stdout, JSON.stringify({ ...jsonSummary({ ...preview, steps: result.steps }, outcome, undefined, fileJson), rewritten, manualDns: result.manualDns, deployed: deploy === true, issued }));
  }
}

/** dns-01: the API client for the TXT records and the DNS servers to check them at. */
async function dnsOptions(io: CliIo, config: Config, options: ApplyOptions) {
  const { dnsChallengeApi } = await import('../dns-api.js');
  const cloudApi = await dnsChallengeApi(io, config);
  return { ...(cloudApi ? { cloudApi } : {}), ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}) };
}

/** True when swarm-wiz can deploy this project to the droplets now; otherwise the line that says what is missing. */
function deployableByItself(config: Config, env: CliIo['env']): true | string {
  if (config.certificates.delivery === 'image' && config.registry) {
    // The proxy image is built on the manager and pushed to the registry: that needs its login.
    const { problem } = registryCredentials(config.registry, env);
    if (problem) return `Not deployed: certificates.delivery is image: ${problem}, then run swarm-wiz apply again (or build and deploy with support/build_proxy.sh).`;
  }
  return true;
}

async function exampleProject(options: ApplyOptions, io: CliIo): Promise<Project> {
  const { configToYaml, parseConfig, SEED_EXAMPLE } = await import('../../config/index.js');
  const dir = dirOption(options.dir ?? EXAMPLE_DIR, io);
  const config = parseConfig(SEED_EXAMPLE);
  const configPath = join(dir, DEFAULT_CONFIG_FILE);
  const existing = await readFile(configPath, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing !== configToYaml(config)) {
    throw new CliExit(EXIT.usage, `${configPath} already exists and is not the example; --example would overwrite it. Choose another --dir.`);
  }
  return { config, configPath, dir };
}

async function projectFromFile(options: ApplyOptions, io: CliIo): Promise<Project> {
  const { loadConfig } = await import('../../config/index.js');
  const { configPath, dir } = projectPaths(options, io);
  return { config: await loadConfig(configPath), configPath, dir };
}

/** The review (diffs included), the question about hand-edited files if there are any, then the confirmation. */
async function confirmOrStop(io: CliIo, preview: ProjectPreview, flag: OnEdit | undefined): Promise<OnEditChoice> {
  if (!io.isTTY) {
    throw new CliExit(EXIT.usage, 'apply needs a confirmation: pass --yes to apply without questions (no terminal to ask on).');
  }
  const [{ reviewText }, { confirmPreview }, { chooseOnEdit }, prompter] = await Promise.all([import('../project-screens.js'), import('../project-output.js'), import('../file-guard.js'), prompterOf(io)]);
  writeLine(io.stdout, reviewText(preview, io.stdout.columns || 160, flag ?? preview.inspection.records.onEdit));
  afterInk(io);
  const choice = await chooseOnEdit(io, preview.inspection, { ...(flag ? { flag } : {}), interactive: true });
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
