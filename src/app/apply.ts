import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.js';
import type { OnEdit } from '../plan/index.js';
import type { ApplyResult } from './provision.js';
import type { CloudCredentials } from './credentials.js';
import { RunFailed, UsageError } from './errors.js';
import { deployOnDroplets, deployOnThisMachine, deployProblem, type DeployNotes, type LocalRunResult } from './live-deploy.js';
import { changingProject } from './project-lock.js';
import { failedFilesMessage, rewriteChangedFiles, stopIfEdited, writeDecidedFiles, type FilesIo, type GuardedOutcome, type OnEditChoice } from './project-files.js';
import { previewWithCloud, type ProjectPreview } from './project-preview.js';
import { underProgress, type RunIo } from './run-io.js';

/** Where the project's config comes from: its file, the article's example, or the wizard's answers (both saved). */
export type ConfigSource = { from: 'file'; path: string } | { from: 'example'; path: string } | { from: 'answers'; path: string; config: Config };

/**
 * Where apply runs the project: DigitalOcean (needs a token), this machine's Docker engine, nowhere
 * (plan-only: the files only), or where the state says it was deployed (the wizard: this machine for
 * a project applied with --target local, else DigitalOcean with a token, else plan-only).
 */
export type ApplyTarget = 'digitalocean' | 'local' | 'plan-only' | 'as-recorded';

export interface ApplyRequest {
  config: ConfigSource;
  dir: string;
  target: ApplyTarget;
  /** digitalocean: create the resources and write the files, but do not deploy to the droplets. */
  cloudOnly: boolean;
  credentials: CloudCredentials;
  /** --on-edit: what to do with a generated file edited by hand (else the remembered choice, the person's answer, or stop). */
  onEdit?: OnEdit;
  /** A PEM file to trust for the CA (a private or test ACME server). */
  caCertFile?: string;
  /** dns-01: DNS servers (IP[:PORT]) to check the TXT records at. */
  dnsServers?: string[];
  /** local: the address to advertise when the engine is not in a swarm yet. */
  advertiseAddr?: string;
  /** --start-empty: a service whose data's droplet was replaced starts on an empty volume even when backups exist. */
  startEmpty?: boolean;
}

export interface ApplyIo extends RunIo {
  /**
   * Before anything is written: shows what will change and decides what happens to files edited by
   * hand (a question, the flag, or the remembered choice). Throws Cancelled when the person says no.
   */
  decideEdits: (preview: ProjectPreview, flag: OnEdit | undefined) => Promise<OnEditChoice>;
  /** How files are shown as they are written, and swarm-wiz.yaml when it is saved. */
  files: FilesIo & { savedConfig: (path: string) => void };
  /** A note for the person that is not part of the result (the CA could not be checked yet). */
  note: (line: string) => void;
  /** The droplets exist: deploy to them now? (The wizard asks; without it apply deploys.) */
  deployNow?: () => Promise<boolean>;
  /** The cloud run has finished: its result, before the files are rewritten and the deploy starts. */
  provisioned?: (result: ApplyResult) => void;
}

interface Written {
  config: Config;
  preview: ProjectPreview;
  files: GuardedOutcome;
  /** What was decided for files edited by hand; the rewrite after provisioning does the same. */
  onEdit: OnEdit;
  /** swarm-wiz.yaml, when apply saved it. */
  savedConfig?: string;
}

/** Why the droplets were not deployed to: --cloud-only, the person said no, or what is missing (a line). */
export type NotDeployed = 'cloud-only' | 'declined' | { missing: string };

export type ApplyOutcome =
  | (Written & { target: 'plan-only' })
  | (Written & { target: 'local' } & LocalRunResult)
  | (Written & { target: 'digitalocean'; cloud: ApplyResult; rewritten: string[]; deploy: DeployNotes | { not: NotDeployed } });

/**
 * `swarm-wiz apply`: under the project lock (held from before swarm-wiz.yaml is read until the last
 * write), reads the config, previews the files and the cloud, lets `io` decide about edited files,
 * writes the files, then creates the cloud and deploys to it, or runs the project on this machine.
 */
export function apply(request: ApplyRequest, io: ApplyIo): Promise<ApplyOutcome> {
  return changingProject(request.dir, 'apply', () => applyHeld(request, io));
}

async function applyHeld(request: ApplyRequest, io: ApplyIo): Promise<ApplyOutcome> {
  const config = await configOf(request.config);
  const token = request.target === 'digitalocean' || request.target === 'as-recorded' ? request.credentials.token : undefined;
  const preview = await previewWithCloud(config, request.dir, { ...request.credentials, token }, request.config.from !== 'file', io.warn, request.target === 'local' ? 'local' : undefined);
  const target = request.target === 'as-recorded' ? (token ? 'digitalocean' : preview.target === 'local' ? 'local' : 'plan-only') : request.target;
  const written = await writeFiles(request, config, preview, io);
  if (target === 'local') return { ...written, target, ...(await deployOnThisMachine({ ...deployRequestOf(request, config) }, io)) };
  if (target === 'plan-only' || !token) return { ...written, target: 'plan-only' };
  return { ...written, target: 'digitalocean', ...(await createAndDeploy(request, written, token, io)) };
}

/** Decided for every file before the first write (swarm-wiz.yaml included); then swarm-wiz.yaml, then the files. */
async function writeFiles(request: ApplyRequest, config: Config, preview: ProjectPreview, io: ApplyIo): Promise<Written> {
  const choice = await io.decideEdits(preview, request.onEdit);
  await stopIfEdited(request.dir, preview.inspection, choice);
  let savedConfig: string | undefined;
  if (request.config.from !== 'file') {
    const { saveConfig } = await import('../config/index.js');
    await saveConfig(request.config.path, config);
    io.files.savedConfig(request.config.path);
    savedConfig = request.config.path;
  }
  const files = await writeDecidedFiles(request.dir, preview.inspection, choice, io.files);
  if (files.failed.length > 0) throw new RunFailed(failedFilesMessage(files));
  return { config, preview, files, onEdit: choice.onEdit, ...(savedConfig ? { savedConfig } : {}) };
}

/** The cloud (files first, so they exist even if it fails), the files again with what it recorded, then the deploy. */
async function createAndDeploy(request: ApplyRequest, written: Written, token: string, io: ApplyIo) {
  const { config, preview } = written;
  const cloud = await createCloud(request, config, token, io);
  const rewritten = await rewriteChangedFiles({ config, dir: request.dir, state: cloud.state, before: preview.files, onEdit: written.onEdit }, io.files, io.warn);
  const not = await whyNotDeploy(request, config, io);
  if (not) return { cloud, rewritten: rewritten.written, deploy: { not } };
  return { cloud, rewritten: rewritten.written, deploy: await deployOnDroplets(deployRequestOf(request, config), io) };
}

/** A profile the CA does not offer stops here, before anything is created (and paid for); then the cloud under live progress. */
async function createCloud(request: ApplyRequest, config: Config, token: string, io: ApplyIo): Promise<ApplyResult> {
  const [{ checkProfileBeforeCloud }, { UnknownProfileError }, { runApply }] = await Promise.all([import('./profile-check.js'), import('../adapters/acme/errors.js'), import('./provision.js')]);
  const profileNote = await checkProfileBeforeCloud(config, request.caCertFile).catch((error: unknown) => {
    if (error instanceof UnknownProfileError) throw new UsageError(`${error.message}. Nothing was created.`);
    throw error;
  });
  if (profileNote) io.note(`Note: ${profileNote}.`);
  const { apiUrl, operatorIp } = request.credentials;
  const cloud = await underProgress(
    io,
    { action: 'apply', project: config.project },
    {
      shown: (by) => `Interrupted (${by}): what the requests in flight made is recorded; any left unanswered after 1 s is named in .swarm-wiz/state.json.`,
      exit: 'Interrupted: every resource created so far is recorded in .swarm-wiz/state.json. Run apply again to resume.',
    },
    (onEvent, signal) => runApply({ config, dir: request.dir, token, apiUrl, operatorIp, onEvent, signal }),
  );
  io.provisioned?.(cloud);
  return cloud;
}

async function whyNotDeploy(request: ApplyRequest, config: Config, io: ApplyIo): Promise<NotDeployed | undefined> {
  if (request.cloudOnly) return 'cloud-only';
  const missing = deployProblem(config, request.credentials.env);
  if (missing) return { missing };
  if (io.deployNow && !(await io.deployNow())) return 'declined';
  return undefined;
}

function deployRequestOf(request: ApplyRequest, config: Config) {
  return {
    config,
    dir: request.dir,
    credentials: request.credentials,
    ...(request.caCertFile ? { caCertFile: request.caCertFile } : {}),
    ...(request.dnsServers ? { dnsServers: request.dnsServers } : {}),
    ...(request.advertiseAddr ? { advertiseAddr: request.advertiseAddr } : {}),
    ...(request.startEmpty ? { startEmpty: true } : {}),
  };
}

/** The config to apply; the example is refused where it would overwrite another project's swarm-wiz.yaml. */
async function configOf(source: ConfigSource): Promise<Config> {
  const { configToYaml, loadConfig, parseConfig, SEED_EXAMPLE } = await import('../config/index.js');
  if (source.from === 'file') return loadConfig(source.path);
  if (source.from === 'answers') return source.config;
  const config = parseConfig(SEED_EXAMPLE);
  const existing = await readFile(source.path, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing !== configToYaml(config)) {
    throw new UsageError(`${source.path} already exists and is not the example; --example would overwrite it. Choose another --dir.`);
  }
  return config;
}
