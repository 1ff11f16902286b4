import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appServices, dataNodeLabel, dataServices, stackObjectName, volumeNames } from '../../recipes/names.js';
import {
  containerShell,
  credentialsFileText,
  makeDir,
  moveFolder,
  nodesLabelled,
  parseBackupSummary,
  parseLs,
  parseResticVersion,
  parseSnapshots,
  removeFolder,
  resticBackup,
  resticCaFile,
  resticCatConfig,
  resticForget,
  RETENTION,
  resticCredentialsFile,
  RESTIC_EXIT,
  resticInit,
  resticLs,
  resticPasswordFile,
  resticRestore,
  resticSnapshots,
  resticVersion,
  serviceContainers,
  serviceContainerStates,
  serviceScale,
  volumeCreate,
  volumeMountpoint,
  writeFile,
  type Command,
  type ResticRepository,
  type Snapshot,
} from '../commands/index.js';
import { loadConfig, type Config, type Service } from '../config/index.js';
import { SWARM_WIZ_DIR } from '../config/private-dir.js';
import { loadState, StateStore } from '../state/index.js';
import { CommandFailed } from '../targets/errors.js';
import type { Shell } from '../targets/target.js';
import { errorLine, remoteLine } from '../text/remote-text.js';
import { BACKUP_SETTINGS_PATH, backupSettingsFile, BackupNotSetUp, readBackupSettings, recordBackups, repositoryUrl, writeBackupSettings, type BackupRecord, type BackupSettings } from './backup-files.js';
import { dropletNodes } from './deploy-droplets.js';
import { Cancelled, RunFailed, UsageError } from './errors.js';
import { NotDeployedError, reachManager, type ConnectNodes, type ManagerAccess } from './manager.js';
import { changingProject } from './project-lock.js';
import { remoteTarget } from './remote.js';
import { copyToSupport, type SupportCopy } from './support-copy.js';

/** Where restic's files live on a droplet (0700 folder, 0600 files), written before every run. */
export const NODE_RESTIC_DIR = '/etc/swarm-wiz/backup';
/** The oldest restic that has the exit codes swarm-wiz reads (10 no repository, 12 wrong password). */
const RESTIC_MIN: [number, number] = [0, 17];
/** How long one restic run may take (a first backup of a large volume, a restore). */
const RESTIC_TIMEOUT_MS = 60 * 60_000;
/** How long opening the repository may take. */
const OPEN_TIMEOUT_MS = 60_000;

/** Backups cannot go on as asked: the message says why, the hint what to do. Exit 1. */
export class BackupFailed extends RunFailed {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFailed';
  }
}

export interface BackupRequest {
  dir: string;
  configPath: string;
  /** `--target local`: this machine's engine and restic. */
  local: boolean;
  /** Tests reach droplets their own way. */
  connect?: ConnectNodes;
}

/** The services a command is about: the one named (it must have volumes), or every service with volumes. */
function chosenServices(config: Config, name: string | undefined): Service[] {
  const candidates = dataServices(config);
  if (name === undefined) return candidates;
  const found = candidates.find((service) => service.name === name);
  if (found) return [found];
  const known = appServices(config).some((service) => service.name === name);
  const list = candidates.length > 0 ? `services with volumes: ${candidates.map((service) => service.name).join(', ')}` : 'no service in swarm-wiz.yaml has volumes';
  throw new UsageError(`${name} ${known ? 'has no volumes to back up' : 'is not a service in swarm-wiz.yaml'} (${list})`);
}

/** The repository as restic on a node opens it: its files in `filesDir` there. */
function repositoryOn(settings: BackupSettings, project: string, filesDir: string): ResticRepository {
  return { url: repositoryUrl(settings, project), files: { dir: filesDir }, ca: settings.caCert !== undefined };
}

const filesDirFor = (dir: string, local: boolean): string => (local ? join(dir, SWARM_WIZ_DIR, 'restic') : NODE_RESTIC_DIR);

/** The node's copy of the password, the S3 keys and the CA: 0600 in a 0700 folder, redacted wherever a command is shown. */
function nodeFiles(settings: BackupSettings, repo: ResticRepository): Command[] {
  const secrets = [settings.password, settings.secretAccessKey, settings.accessKeyId];
  const hide = (commands: Command[]) => commands.map((command) => ({ ...command, secrets }));
  return [
    ...makeDir(repo.files.dir, 0o700),
    ...hide(writeFile(resticPasswordFile(repo.files), settings.password, 0o600)),
    ...hide(writeFile(resticCredentialsFile(repo.files), credentialsFileText(settings.accessKeyId, settings.secretAccessKey), 0o600)),
    ...(settings.caCert !== undefined ? writeFile(resticCaFile(repo.files), settings.caCert, 0o600) : []),
  ];
}

/** One node with restic, its files written, the repository opened. */
interface ResticNode {
  name: string;
  shell: Shell;
  repo: ResticRepository;
}

/** The last line restic wrote to stderr (its `Fatal: …`), made safe to print. */
function resticLine(error: unknown): string {
  if (error instanceof CommandFailed) {
    const lines = error.outputTail.trim().split('\n').filter(Boolean);
    return remoteLine(lines.at(-1) ?? `exit ${error.exitCode ?? 'unknown'}`);
  }
  return errorLine(error);
}

async function prepareNode(name: string, shell: Shell, settings: BackupSettings, repo: ResticRepository, create: boolean): Promise<ResticNode & { created: boolean }> {
  const version = await shell.probe(resticVersion);
  const parsed = version.exitCode === 0 ? parseResticVersion(version.stdout) : undefined;
  if (!parsed) throw new BackupFailed(`restic is not installed on ${name}: install Debian's restic package there (apt-get install restic)`);
  if (parsed[0] < RESTIC_MIN[0] || (parsed[0] === RESTIC_MIN[0] && parsed[1] < RESTIC_MIN[1])) {
    throw new BackupFailed(`restic on ${name} is ${parsed.join('.')}; swarm-wiz needs ${RESTIC_MIN.join('.')} or newer (Debian 13 has 0.18)`);
  }
  for (const command of nodeFiles(settings, repo)) await shell.run(command, { timeoutMs: 30_000 });
  // restic retries most S3 errors for 15 minutes (a key id the endpoint does not know among them): a minute is enough to open a repository.
  const opened = await shell.probe(resticCatConfig(repo), { timeoutMs: OPEN_TIMEOUT_MS }).catch((error: unknown) => {
    throw new BackupFailed(`the backup repository ${repo.url} could not be opened from ${name} within ${OPEN_TIMEOUT_MS / 1000} s (check the endpoint, the bucket and the keys): ${resticLine(error)}`);
  });
  if (opened.exitCode === 0) return { name, shell, repo, created: false };
  if (opened.exitCode === RESTIC_EXIT.wrongPassword) {
    throw new BackupFailed(`the repository password in ${SWARM_WIZ_DIR}/backup.json does not open the backup repository ${repo.url}: nothing was backed up or changed (swarm-wiz backup setup --password-stdin with the right one)`);
  }
  if (opened.exitCode === RESTIC_EXIT.noRepository) {
    if (!create) throw new BackupFailed(`there is no backup repository at ${repo.url}: run swarm-wiz backup setup`);
    await shell.run(resticInit(repo), { timeoutMs: 120_000 }).catch((error: unknown) => {
      throw new BackupFailed(`could not create the backup repository ${repo.url} from ${name}: ${resticLine(error)}`);
    });
    return { name, shell, repo, created: true };
  }
  const lines = opened.stderr.trim().split('\n').filter(Boolean);
  throw new BackupFailed(`the backup repository ${repo.url} could not be opened from ${name}: ${remoteLine(lines.at(-1) ?? `restic exit ${opened.exitCode}`)}`);
}

/** A project and a way to reach its manager, with the backup settings; `dispose` ends every connection opened. */
interface Opened {
  settings: BackupSettings;
  access: ManagerAccess;
  /** The repository as restic on a node of this target opens it. */
  repo: ResticRepository;
  /** The shell of a node by name (the manager's, or a new connection to another droplet). */
  shellOf(name: string): Promise<Shell>;
  /** restic checked on a node, its files written there, the repository opened (created when `create`). */
  prepare(name: string, shell: Shell, create?: boolean): Promise<ResticNode & { created: boolean }>;
  /** The same on the manager reached. */
  onManager(create?: boolean): Promise<ResticNode & { created: boolean }>;
  dispose(): Promise<void>;
}

async function openProject(request: BackupRequest, config: Config, settings: BackupSettings | undefined): Promise<Opened> {
  const stored = settings ?? (await readBackupSettings(request.dir).catch((error: unknown) => {
    throw error instanceof BackupNotSetUp ? new UsageError('backups are not set up: run swarm-wiz backup setup --bucket NAME (the S3 keys from SWARM_WIZ_S3_ACCESS_KEY_ID and SWARM_WIZ_S3_SECRET_ACCESS_KEY)') : error;
  }));
  const access = await reachManager({ dir: request.dir, project: config.project, ...(request.local ? { target: 'local' as const } : {}), ...(request.connect ? { connect: request.connect } : {}) }).catch((error: unknown) => {
    throw error instanceof NotDeployedError ? new BackupFailed(`${error.message}: ${error.hint}`) : error;
  });
  const others: { dispose(): Promise<void> }[] = [];
  const local = access.manager === 'local';
  const repo = repositoryOn(stored, config.project, filesDirFor(request.dir, local));
  const prepare = (name: string, shell: Shell, create = false) => prepareNode(name, shell, stored, repo, create);
  return {
    settings: stored,
    access,
    repo,
    prepare,
    onManager: (create = false) => prepare(access.manager, access.target.shell(access.manager), create),
    async shellOf(name: string) {
      if (local || name === access.manager) return access.target.shell(access.manager);
      const state = await loadState(request.dir, config.project);
      // On the support server (its state says runsOn) the nodes are reached over the VPC.
      const here = state.runsOn;
      const node = dropletNodes(state, here ? 'private' : 'public').find((candidate) => candidate.name === name);
      if (!node) throw new BackupFailed(`${name} holds the data but is not a droplet of ${config.project} in the state: run swarm-wiz apply`);
      const remote = await (request.connect ?? remoteTarget)({ dir: request.dir, store: new StateStore(request.dir, state), nodes: [node], ...(here ? { local: here } : {}) });
      others.push(remote);
      return remote.target.shell(name);
    },
    async dispose() {
      for (const other of others) await other.dispose().catch(() => undefined);
      await access.dispose();
    },
  };
}

/** The project's snapshots in the repository, oldest first. */
async function snapshotsOf(node: ResticNode, config: Config): Promise<Snapshot[]> {
  return parseSnapshots((await node.shell.run(resticSnapshots(node.repo, config.project), { timeoutMs: 120_000 })).stdout);
}

/** The node a service's data is pinned to (its data label), by the swarm's word. */
async function dataNodeOf(opened: Opened, service: Service): Promise<string> {
  if (opened.access.manager === 'local') return 'local';
  const manager = opened.access.target.shell(opened.access.manager);
  const names = (await manager.run(nodesLabelled(dataNodeLabel(service.name)))).stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  if (names.length === 0) throw new BackupFailed(`no node of the swarm holds ${service.name}'s data (label ${dataNodeLabel(service.name)}): run swarm-wiz apply`);
  return names[0]!;
}

// ---------------------------------------------------------------------------------------------- setup

export interface BackupSetupRequest extends BackupRequest {
  /** S3 endpoint, like https://fra1.digitaloceanspaces.com (default: Spaces in the project's region). */
  endpoint?: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The repository password (default: the one stored before, else a new random one). */
  password?: string;
  /** PEM of a private endpoint's CA. */
  caCert?: string;
}

export interface BackupSetupOutcome {
  repository: string;
  /** The node restic ran on to check it. */
  node: string;
  created: boolean;
  /** The password was made here (the user keeps a copy of backup.json: without it no backup can be read). */
  passwordGenerated: boolean;
  /** The support server's copy (its crontab's daily run reads it): copied now, by the next apply, or none (--target local). */
  support: SupportCopy;
}

/** S3 bucket names: 3–63 characters, lower-case letters, digits, '.' and '-', a letter or digit at each end. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function checkEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--endpoint: ${JSON.stringify(text)} is not a URL (like https://fra1.digitaloceanspaces.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--endpoint: ${JSON.stringify(text)} is not an http(s) URL (like https://fra1.digitaloceanspaces.com)`);
  if (url.username || url.password) throw new UsageError('--endpoint: the URL has a user or password in it; the keys go in SWARM_WIZ_S3_ACCESS_KEY_ID and SWARM_WIZ_S3_SECRET_ACCESS_KEY');
  if (url.pathname !== '/' || url.search || url.hash) throw new UsageError(`--endpoint: ${JSON.stringify(text)} has a path; give the server only (like https://fra1.digitaloceanspaces.com) and the bucket with --bucket`);
  return `${url.protocol}//${url.host}`;
}

function checkKey(field: string, value: string): string {
  if (value.trim() === '' || /\s/.test(value.trim())) throw new UsageError(`${field} is ${value.trim() === '' ? 'empty' : 'not a key (it has spaces in it)'}`);
  return value.trim();
}

/**
 * `backup setup`: checks the endpoint, bucket and keys, writes restic's files on a node of the project
 * (the manager, or this machine for --target local), opens the repository there — creating it when the
 * bucket holds none — and only then stores the settings in `.swarm-wiz/backup.json` (0600). A repository
 * the password does not open is an error, and nothing is stored.
 */
export async function backupSetup(request: BackupSetupRequest): Promise<BackupSetupOutcome> {
  const config = await loadConfig(request.configPath);
  if (!BUCKET.test(request.bucket)) throw new UsageError(`--bucket: ${JSON.stringify(request.bucket)} is not a bucket name (3–63 lower-case letters, digits, '.' and '-', a letter or digit at each end)`);
  const before = await readBackupSettings(request.dir).catch((error: unknown) => (error instanceof BackupNotSetUp ? undefined : Promise.reject(error)));
  if (request.password !== undefined && request.password.length < 16) throw new UsageError('the repository password is shorter than 16 characters (leave it out and swarm-wiz makes a random one)');
  if (request.caCert !== undefined && !request.caCert.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError('--ca-cert: the file holds no PEM certificate');
  const password = request.password ?? before?.password ?? randomBytes(32).toString('base64url');
  const settings: BackupSettings = {
    endpoint: checkEndpoint(request.endpoint ?? `https://${config.region}.digitaloceanspaces.com`),
    bucket: request.bucket,
    accessKeyId: checkKey('the access key (SWARM_WIZ_S3_ACCESS_KEY_ID)', request.accessKeyId),
    secretAccessKey: checkKey('the secret key (SWARM_WIZ_S3_SECRET_ACCESS_KEY)', request.secretAccessKey),
    password,
    ...(request.caCert !== undefined ? { caCert: request.caCert } : {}),
    since: before?.since ?? new Date().toISOString(),
  };
  const opened = await openProject(request, config, settings);
  try {
    const prepared = await opened.onManager(true);
    await writeBackupSettings(request.dir, settings);
    // The support server's crontab backs up daily once it has the settings: copied now, not at the next apply.
    const text = await readFile(backupSettingsFile(request.dir), 'utf8');
    const support = request.local ? ({ none: true } as const) : await copyToSupport(request.dir, config.project, BACKUP_SETTINGS_PATH, text, { ...(request.connect ? { connect: request.connect } : {}), secrets: [settings.accessKeyId, settings.secretAccessKey, settings.password] });
    return { repository: opened.repo.url, node: prepared.name, created: prepared.created, passwordGenerated: request.password === undefined && before === undefined, support };
  } finally {
    await opened.dispose();
  }
}

// ------------------------------------------------------------------------------------------------ now

export interface VolumeBackup {
  service: string;
  volume: string;
  node: string;
  ok: boolean;
  snapshot?: string;
  /** Bytes of the volume's files. */
  bytes?: number;
  /** Bytes the snapshot added to the repository (compressed): about what was uploaded. */
  added?: number;
  seconds: number;
  /** Why it failed (one line). */
  error?: string;
}

export interface BackupNowRequest extends BackupRequest {
  service?: string;
  /** The support server's daily run: after each snapshot, forget those beyond the retention and prune. */
  scheduled?: boolean;
  now?: () => Date;
}

/**
 * `backup now [SERVICE]`: for each service with volumes (or the one named), on the node holding its
 * data: its `backup.before` command in its running container, then one restic snapshot per volume.
 * Every volume's outcome is recorded in `.swarm-wiz/backups.json`; a failed one does not stop the others.
 */
export async function backupNow(request: BackupNowRequest, io: { onProgress?(line: string): void } = {}): Promise<VolumeBackup[]> {
  const config = await loadConfig(request.configPath);
  const services = chosenServices(config, request.service);
  if (services.length === 0) return [];
  const now = request.now ?? (() => new Date());
  const opened = await openProject(request, config, undefined);
  const results: VolumeBackup[] = [];
  try {
    for (const service of services) {
      const started = Date.now();
      const volumes = volumeNames(service).map((name) => stackObjectName(config, name));
      const fail = (node: string, error: string) => volumes.forEach((volume) => results.push({ service: service.name, volume, node, ok: false, seconds: (Date.now() - started) / 1000, error }));
      let node = '';
      try {
        node = await dataNodeOf(opened, service);
        const shell = await opened.shellOf(node);
        const prepared = await opened.prepare(node, shell);
        if (service.backup?.before) {
          const container = (await shell.run(serviceContainers(stackObjectName(config, service.name)))).stdout.split('\n').map((line) => line.trim()).find(Boolean);
          if (!container) throw new BackupFailed(`${service.name} has no running container on ${node} to run backup.before in: start it (swarm-wiz apply), then back up again`);
          io.onProgress?.(`${service.name}: backup.before in its container on ${node}`);
          await shell.run(containerShell(container, service.backup.before), { timeoutMs: RESTIC_TIMEOUT_MS }).catch((error: unknown) => {
            throw new BackupFailed(`backup.before of ${service.name} failed, so nothing of it was backed up: ${resticLine(error)}`);
          });
        } else {
          io.onProgress?.(`${service.name}: no backup.before, so its files are copied as they are (crash-consistent)`);
        }
        for (const volume of volumes) {
          const volumeStarted = Date.now();
          try {
            const mount = await mountpointOf(shell, volume, node);
            io.onProgress?.(`${volume}: backing up ${mount} on ${node}`);
            const run = await shell.run(resticBackup(prepared.repo, { host: config.project, path: mount, volume, service: service.name }), { timeoutMs: RESTIC_TIMEOUT_MS });
            const summary = parseBackupSummary(run.stdout);
            if (!summary) throw new BackupFailed(`restic did not report a snapshot for ${volume}`);
            if (request.scheduled) {
              io.onProgress?.(`${volume}: keeping ${RETENTION.daily} daily, ${RETENTION.weekly} weekly and ${RETENTION.monthly} monthly snapshots`);
              await shell.run(resticForget(prepared.repo, config.project, volume), { timeoutMs: RESTIC_TIMEOUT_MS });
            }
            results.push({ service: service.name, volume, node, ok: true, snapshot: summary.snapshotId, bytes: summary.totalBytes, added: summary.dataAddedPacked, seconds: (Date.now() - volumeStarted) / 1000 });
          } catch (error) {
            results.push({ service: service.name, volume, node, ok: false, seconds: (Date.now() - volumeStarted) / 1000, error: error instanceof BackupFailed ? error.message : resticLine(error) });
          }
        }
      } catch (error) {
        fail(node || 'unknown node', error instanceof BackupFailed || error instanceof UsageError ? error.message : resticLine(error));
      }
    }
  } finally {
    await opened.dispose();
    const at = now().toISOString();
    await recordBackups(
      request.dir,
      results.map((result): BackupRecord => ({
        service: result.service,
        volume: result.volume,
        node: result.node,
        at,
        ok: result.ok,
        ...(result.snapshot ? { snapshot: result.snapshot } : {}),
        ...(result.bytes !== undefined ? { bytes: result.bytes } : {}),
        ...(result.added !== undefined ? { added: result.added } : {}),
        ...(result.error ? { error: result.error } : {}),
      })),
    );
  }
  return results;
}

async function mountpointOf(shell: Shell, volume: string, node: string): Promise<string> {
  const found = await shell.probe(volumeMountpoint(volume));
  const mount = found.stdout.trim();
  if (found.exitCode !== 0 || !mount.startsWith('/')) throw new BackupFailed(`the volume ${volume} does not exist on ${node} (the service never ran there)`);
  return mount;
}

// ------------------------------------------------------------------------------------------------- ls

export interface BackupListRequest extends BackupRequest {
  service?: string;
}

/** `backup ls [SERVICE]`: the project's snapshots, oldest first, with size and time. */
export async function backupList(request: BackupListRequest): Promise<Snapshot[]> {
  const config = await loadConfig(request.configPath);
  const services = chosenServices(config, request.service).map((service) => service.name);
  const opened = await openProject(request, config, undefined);
  try {
    return (await snapshotsOf(await opened.onManager(), config)).filter((snapshot) => services.includes(snapshot.service));
  } finally {
    await opened.dispose();
  }
}

/** The files of one snapshot (the drill shows a `backup.before` dump is in it). */
export async function backupFiles(request: BackupRequest & { snapshot: string }): Promise<{ path: string; type: string; size?: number }[]> {
  const config = await loadConfig(request.configPath);
  const opened = await openProject(request, config, undefined);
  try {
    const prepared = await opened.onManager();
    return parseLs((await prepared.shell.run(resticLs(prepared.repo, request.snapshot), { timeoutMs: 120_000 })).stdout);
  } finally {
    await opened.dispose();
  }
}

// -------------------------------------------------------------------------------------------- restore

export interface RestoreRequest extends BackupRequest {
  service: string;
  /** A snapshot ID (or its first 8 characters); default: the latest of each of the service's volumes. */
  snapshot?: string;
}

/** What a restore replaces, shown before it asks. */
export interface RestorePlan {
  service: string;
  node: string;
  volumes: { volume: string; snapshot: string; time: string; bytes?: number }[];
}

export interface RestoreIo {
  /** Shows the plan and answers whether to go on (`--yes` answers yes without asking). */
  confirm(plan: RestorePlan): Promise<boolean>;
  onProgress?(line: string): void;
}

export interface RestoreOutcome extends RestorePlan {
  seconds: number;
}

/** How long the service may take to be up (and healthy, when it has a health check) after a restore. */
const START_TIMEOUT_MS = 180_000;

/**
 * `restore SERVICE [--snapshot ID]`: shows which volume on which node each snapshot replaces and asks;
 * then stops the service (0 replicas), restores each snapshot beside its volume's folder and swaps the
 * two (the old data is kept until the swap is done: a failed restore leaves the volume as it was), and
 * starts the service again, waiting until its container is up and healthy.
 */
export async function restore(request: RestoreRequest, io: RestoreIo): Promise<RestoreOutcome> {
  const config = await loadConfig(request.configPath);
  const [service] = chosenServices(config, request.service);
  if (!service) throw new UsageError(`${request.service} has no volumes to restore`);
  return changingProject(request.dir, 'restore', async () => {
    const opened = await openProject(request, config, undefined);
    try {
      const prepared = await opened.onManager();
      const manager = prepared.shell;
      const snapshots = (await snapshotsOf(prepared, config)).filter((snapshot) => snapshot.service === service.name);
      const chosen = pickSnapshots(config, service, snapshots, request.snapshot);
      const node = await dataNodeOf(opened, service);
      const plan: RestorePlan = { service: service.name, node, volumes: chosen.map((snapshot) => ({ volume: snapshot.volume, snapshot: snapshot.shortId, time: snapshot.time, ...(snapshot.bytes !== undefined ? { bytes: snapshot.bytes } : {}) })) };
      if (!(await io.confirm(plan))) throw new Cancelled('Cancelled; nothing was stopped or restored.');
      const started = Date.now();
      const shell = await opened.shellOf(node);
      const onNode = node === opened.access.manager ? prepared : await opened.prepare(node, shell);
      const swarmService = stackObjectName(config, service.name);
      // Held by apply (its data's droplet was replaced): it stays at 0 replicas unless the restore succeeds.
      const held = (await loadState(request.dir, config.project)).data?.held.includes(service.name) === true;
      io.onProgress?.(`${swarmService}: stopping (0 replicas)`);
      await manager.run(serviceScale(swarmService, 0));
      await waitFor(`${swarmService}'s container to stop on ${node}`, 120_000, async () => (await shell.run(serviceContainerStates(swarmService))).stdout.trim() === '');
      let restored = false;
      try {
        for (const snapshot of chosen) await restoreVolume(shell, onNode.repo, snapshot, config.project, node, io);
        restored = true;
      } finally {
        if (restored || !held) {
          io.onProgress?.(`${swarmService}: starting again`);
          await manager.run(serviceScale(swarmService, 1));
        }
      }
      if (held) await releaseHold(request.dir, config.project, service.name);
      await waitFor(`${swarmService} to be up${service.health ? ' and healthy' : ''} on ${node}`, START_TIMEOUT_MS, async () => {
        const states = (await shell.run(serviceContainerStates(swarmService))).stdout.trim();
        if (/\(unhealthy\)/.test(states)) throw new BackupFailed(`${swarmService} is unhealthy after the restore (${remoteLine(states)}): swarm-wiz logs ${service.name}`);
        return /^Up/m.test(states) && !/health: starting/.test(states);
      });
      return { ...plan, seconds: (Date.now() - started) / 1000 };
    } finally {
      await opened.dispose();
    }
  });
}

/** The service's data is back: apply starts it again (state.json `data.held`). */
async function releaseHold(dir: string, project: string, service: string): Promise<void> {
  const store = new StateStore(dir, await loadState(dir, project));
  await store.update((draft) => {
    if (draft.data) draft.data.held = draft.data.held.filter((name) => name !== service);
  });
}

function pickSnapshots(config: Config, service: Service, snapshots: readonly Snapshot[], wanted: string | undefined): Snapshot[] {
  if (wanted !== undefined) {
    const found = snapshots.filter((snapshot) => snapshot.id.startsWith(wanted) || snapshot.shortId === wanted);
    if (found.length !== 1 || wanted.length < 4) {
      const known = snapshots.map((snapshot) => `${snapshot.shortId} (${snapshot.volume}, ${snapshot.time})`).join(', ');
      throw new UsageError(`--snapshot: ${JSON.stringify(wanted)} is ${found.length > 1 ? 'the start of more than one' : 'not a'} snapshot of ${service.name} (${known || 'it has none: swarm-wiz backup now ' + service.name})`);
    }
    return found;
  }
  return volumeNames(service).map((name) => {
    const volume = stackObjectName(config, name);
    const latest = snapshots.filter((snapshot) => snapshot.volume === volume).sort((a, b) => a.time.localeCompare(b.time)).at(-1);
    if (!latest) throw new BackupFailed(`the volume ${volume} has no backup to restore: swarm-wiz backup ls ${service.name}`);
    return latest;
  });
}

/** Restores one snapshot beside the volume's folder, then swaps the folders; the old data goes only after the swap. */
async function restoreVolume(shell: Shell, repo: ResticRepository, snapshot: Snapshot, project: string, node: string, io: RestoreIo): Promise<void> {
  let mount = (await shell.probe(volumeMountpoint(snapshot.volume))).stdout.trim();
  if (!mount.startsWith('/')) {
    await shell.run(volumeCreate(snapshot.volume, project));
    mount = await mountpointOf(shell, snapshot.volume, node);
  }
  const parent = mount.slice(0, mount.lastIndexOf('/'));
  const staging = `${parent}/.swarm-wiz-restore`;
  const previous = `${parent}/.swarm-wiz-before-restore`;
  await shell.run(removeFolder(staging));
  io.onProgress?.(`${snapshot.volume}: restoring snapshot ${snapshot.shortId} of ${snapshot.time} on ${node}`);
  try {
    await shell.run(resticRestore(repo, snapshot.id, staging), { timeoutMs: RESTIC_TIMEOUT_MS });
  } catch (error) {
    await shell.probe(removeFolder(staging));
    throw new BackupFailed(`the restore of ${snapshot.volume} failed; the volume is as it was: ${resticLine(error)}`);
  }
  await shell.run(removeFolder(previous));
  await shell.run(moveFolder(mount, previous));
  await shell.run(moveFolder(`${staging}${snapshot.path}`, mount));
  await shell.run(removeFolder(staging));
  await shell.run(removeFolder(previous));
}

async function waitFor(what: string, limitMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (let i = 0; ; i++) {
    if (await done()) return;
    if (Date.now() > deadline) throw new BackupFailed(`waited ${Math.round(limitMs / 1000)} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * (i + 1))));
  }
}
