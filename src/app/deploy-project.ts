import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderCompose } from '../../recipes/compose.js';
import { nodeProxyDir, remoteProjectDir, sha256Hex } from '../../recipes/names.js';
import type { RenderContext } from '../../recipes/index.js';
import type { RegistryCredentials } from '../../recipes/registry-login.js';
import { ensurePlaceholders } from '../certs/placeholder.js';
import { renewalDecision } from '../certs/renewal-policy.js';
import { refreshAriSchedule } from '../certs/ari-refresh.js';
import { allNames, siteNamesOf, type SiteNames } from '../certs/sites.js';
import { CertificateStore } from '../adapters/certificate-store.js';
import type { CertificateMeta } from '../adapters/certificate-metadata.js';
import { errorLine } from '../text/remote-text.js';
import { hashFiles, nodeLabels, nodeList, parseHashes, parseNodeList, parseLabels, parseStackServices, parseSwarmInfo, stackServices, swarmInfo } from '../commands/index.js';
import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import type { Config } from '../config/index.js';
import { dataHolder, dataMemoryAfter, DeployPlanError, leadManager, planDataHolds, planDeploy, proxyNodesOf, secretsToSetAgain, planRenew, UNREACHABLE, type DataHolds, type DeployFacts, type DeployPhase, type NodeFacts } from '../plan/index.js';
import { DEFAULT_DEPLOY_TIMING, type DeployContext, type DeployTiming, type ProxyFile } from '../run/deploy-context.js';
import { DEPLOY_HANDLERS } from '../run/deploy-handlers.js';
import { eachStep, runPhases } from '../run/engine.js';
import type { ApplyEventListener } from '../run/events.js';
import { StepFailed } from '../run/failure.js';
import type { StateStore } from '../state/index.js';
import type { Target } from '../targets/target.js';
import { CertificateOrders, type Issuing } from './certificate-orders.js';
import { desiredProxyFiles } from './proxy-folder.js';
import { servedMismatch } from './served-certificates.js';
import { secretsNotSet, serviceSecrets, stackSpec, type StackSources } from './stack-spec.js';
import { backupSettingsFile } from './backup-files.js';
import { supportFacts, supportHasCopy, takeNewerCertificates, takeServedCertificates, type SupportSetup } from './support.js';

export type { Issuing } from './certificate-orders.js';

export interface DeployOptions {
  config: Config;
  dir: string;
  store: StateStore;
  target: Target;
  /** Parent of the project folder on every node: /srv/swarm-wiz on droplets, inside the project for --target local. */
  nodeRoot: string;
  /** The address each node advertises to the swarm (its VPC address); undefined: Docker chooses. */
  advertiseAddr?: (node: string) => string | undefined;
  /** The support server's address as the proxy reaches it, read once the swarm runs. */
  supportAddress(): Promise<string | undefined>;
  renderContext: RenderContext;
  issuing: Issuing;
  /** Order every certificate, due or not (renew --force). */
  forceCertificates?: boolean;
  /** Only the certificate phases (renew): no node, swarm or stack step. */
  certificatesOnly?: boolean;
  /** `never` when the images exist only on the nodes (--target local). */
  resolveImage: DeployContext['resolveImage'];
  /** One node and no registry (--target local): delivery: image builds the proxy image there and pushes nothing. */
  buildsWithoutPush?: boolean;
  /** delivery: image on droplets: `docker login` on the manager with these before the push (none: an anonymous push). */
  registryLogin?: RegistryCredentials;
  /** Droplets: set up the support server to renew from its own crontab (last phase). */
  support?: SupportSetup;
  /** apply --start-empty: a service whose data's droplet was replaced starts on an empty volume even when backups exist. */
  startEmpty?: boolean;
  onEvent?: ApplyEventListener;
  signal?: AbortSignal;
  timing?: Partial<DeployTiming>;
}

/** What every deploy use case (local, over SSH) takes besides its target. */
export interface DeployRunOptions {
  config: Config;
  dir: string;
  /** A PEM file to trust for the CA's own TLS (a private or test ACME server like Pebble). */
  caCertFile?: string;
  /** dns-01: the DigitalOcean API the TXT records go through (built from DIGITALOCEAN_TOKEN). */
  cloudApi?: CloudApi;
  /** DNS servers (IP[:PORT]) to check TXT records at instead of each zone's name servers. */
  dnsServers?: string[];
  /** Order every certificate, due or not (renew --force). */
  forceCertificates?: boolean;
  /** Only the certificate phases (renew): no node, swarm or stack step. */
  certificatesOnly?: boolean;
  /** delivery: image on droplets: the registry login for the push (see recipes' registryCredentials). */
  registryLogin?: RegistryCredentials;
  /** apply --start-empty: a service whose data's droplet was replaced starts on an empty volume even when backups exist. */
  startEmpty?: boolean;
  onEvent?: ApplyEventListener;
  signal?: AbortSignal;
  timing?: Partial<DeployTiming>;
}

/** The run options of `options` that are set, to pass on to deployProject. */
export function runOptionsOf(options: DeployRunOptions): Pick<DeployOptions, 'forceCertificates' | 'certificatesOnly' | 'registryLogin' | 'startEmpty' | 'onEvent' | 'signal' | 'timing'> {
  return {
    ...(options.startEmpty ? { startEmpty: true } : {}),
    ...(options.registryLogin ? { registryLogin: options.registryLogin } : {}),
    ...(options.forceCertificates ? { forceCertificates: true } : {}),
    ...(options.certificatesOnly ? { certificatesOnly: true } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timing ? { timing: options.timing } : {}),
  };
}

export interface DeployResult {
  phases: DeployPhase[];
  /** Sites whose certificate was ordered in this run. */
  issued: string[];
  /** Services with volumes kept at 0 replicas, or started empty, because the droplet holding their data was replaced. */
  holds: DataHolds;
}

/** What one deploy works with, fixed before the nodes are read. */
interface DeployRun {
  certs: CertificateStore;
  sites: SiteNames[];
  projectDir: string;
  /** Sites whose newer certificate was taken back from the support server (or from the proxies, when its copy is gone). */
  taken: string[];
  /** The support server holds no copy of the project: the certificates taken back from the proxy folders instead. */
  copyLost?: { fromProxies: string[] };
  /** What the proxy folder must hold before anything runs. */
  desired: Map<string, ProxyFile>;
  stack: StackSources;
}

type SupportRead = Awaited<ReturnType<typeof supportFacts>>;

/**
 * Everything after the droplets (or on this machine): reads what the nodes look like, plans the
 * phases — node folders, swarm init / joins / labels, the proxy folder, the stack, the certificates that
 * are due and their rollout (renew: only the certificate phases) — and runs them on the engine. Nothing
 * here prints; progress goes to onEvent. Rejects with StepFailed (what failed and what to do) or ApplyAborted.
 */
export async function deployProject(options: DeployOptions): Promise<DeployResult> {
  const run = await prepareRun(options);
  const { facts, support } = await readFacts(options, run);
  const phases = planPhases(options, facts);
  (options.onEvent ?? (() => undefined))({ type: 'planned', steps: phases.flatMap((phase) => phase.steps), append: true });
  const orders = new CertificateOrders(options.issuing, run.certs, options.store);
  const holds = facts.dataHolds ?? { held: [], startEmpty: [] };
  // A hold is remembered before anything runs: a run stopped half-way must not start the service empty next time.
  if (!options.certificatesOnly) await rememberHolds(options, holds.held);
  try {
    await runPhases(deployContext(options, run, orders, support), phases, eachStep(DEPLOY_HANDLERS));
  } finally {
    await orders.close();
  }
  if (!options.certificatesOnly && phases.some((phase) => phase.name === 'stack')) {
    const memory = dataMemoryAfter(options.config, holds);
    if (memory.placed.length > 0 || options.store.state.data) await options.store.update((draft) => void (draft.data = { placed: [...memory.placed], held: [...memory.held] }));
  }
  // The swarm was made again: its manager is up, the stack waits for the secrets that went with the old one.
  const setAgain = options.certificatesOnly ? [] : secretsToSetAgain(options.config, facts);
  if (setAgain.length > 0) throw secretsNotSet(options.config.project, setAgain);
  return { phases, issued: orders.issued, holds };
}

async function rememberHolds(options: DeployOptions, held: readonly string[]): Promise<void> {
  const before = options.store.state.data;
  if (JSON.stringify(before?.held ?? []) === JSON.stringify(held)) return;
  await options.store.update((draft) => void (draft.data = { placed: [...(before?.placed ?? [])], held: [...held] }));
}

async function prepareRun(options: DeployOptions): Promise<DeployRun> {
  const { config } = options;
  const certs = new CertificateStore(options.dir);
  const sites = siteNamesOf(config);
  await ensurePlaceholders(certs, sites);
  const projectDir = remoteProjectDir(config, options.nodeRoot);
  // The support server may have renewed since the last run: its newer certificates are taken before anything is decided.
  const { taken, copyLost } = options.support ? await takeFromSupport(options, projectDir, sites) : { taken: [] };
  const proxyFiles = () => desiredProxyFiles(config, certs, options.renderContext);
  const desired = await proxyFiles();
  const stack: StackSources = {
    config,
    target: options.target,
    compose: renderCompose(config),
    projectDir,
    proxyDir: nodeProxyDir(config, options.nodeRoot),
    proxyFiles,
    supportAddress: () => options.supportAddress(),
    buildsWithoutPush: options.buildsWithoutPush,
    registryLogin: options.registryLogin,
    signal: options.signal,
  };
  return { certs, sites, projectDir, taken, ...(copyLost ? { copyLost } : {}), desired, stack };
}

/** What the nodes, the stack, the certificates and the support server look like; a failure to read them says so. */
async function readFacts(options: DeployOptions, run: DeployRun): Promise<{ facts: DeployFacts; support?: SupportRead }> {
  try {
    const support = options.support ? await readSupport(options, options.support, run) : undefined;
    const facts = await gatherFacts(options, run);
    return support ? { facts: { ...facts, support: support.facts }, support } : { facts };
  } catch (error) {
    if (error instanceof StepFailed) throw error;
    throw new StepFailed('nodes', { message: `reading the nodes failed: ${(error as Error).message}`, hint: (error as { hint?: string }).hint ?? 'Check that the nodes are reachable and Docker runs on them, then run apply again.' });
  }
}

async function readSupport(options: DeployOptions, setup: SupportSetup, run: DeployRun): Promise<SupportRead> {
  const support = await supportFacts({
    config: options.config,
    dir: options.dir,
    state: () => options.store.state,
    setup,
    sites: run.sites,
    shell: options.target.shell(setup.node),
    remoteDir: run.projectDir,
    swarmNodes: swarmNodesOf(options.target).map((node) => node.name),
    nodeShell: (name) => options.target.shell(name),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (run.taken.length > 0) support.facts.taken = run.taken;
  if (run.copyLost && options.store.state.stack) support.facts.copyLost = run.copyLost;
  return support;
}

async function gatherFacts(options: DeployOptions, run: DeployRun): Promise<DeployFacts> {
  const { config, store } = options;
  const nodes = await nodeFacts(options, run.projectDir);
  const recordedClusterId = store.state.swarm?.clusterId;
  const manager = leadManager(nodes, recordedClusterId);
  // A service whose data's droplet was replaced is deployed at 0 replicas while backups exist: the stack file says so.
  const dataHolds = planDataHolds(config, dataHolder({ nodes, ...(recordedClusterId ? { recordedClusterId } : {}) }), store.state.data, {
    backupsSetUp: existsSync(backupSettingsFile(options.dir)),
    startEmpty: options.startEmpty === true,
  });
  run.stack.compose = renderCompose(config, { held: dataHolds.held });
  // The swarm's secrets are read on the lead (the first manager's droplet may be new, not in the swarm yet).
  if (manager) run.stack.manager = manager.name;
  const listed = manager ? await options.target.shell(manager.name).probe(nodeList, { signal: options.signal }) : undefined;
  const services = manager ? parseStackServices((await options.target.shell(manager.name).probe(stackServices(config.project))).stdout) : [];
  const spec = manager ? await stackSpec(run.stack).catch(() => undefined) : undefined;
  const missingSecrets = manager ? (await serviceSecrets(run.stack)).missing : [];
  const metas = await currentSchedules(options, run.certs, run.sites);
  return {
    nodes,
    projectDir: run.projectDir,
    proxyDir: run.stack.proxyDir,
    desiredProxyFiles: new Map([...run.desired].map(([path, file]) => [path, sha256Hex(file.content)])),
    services,
    stack: { composePath: composePathOf(run.projectDir), env: spec?.env ?? {}, hash: spec?.hash ?? '', ...(store.state.stack ? { recordedHash: store.state.stack.hash } : {}) },
    ...(recordedClusterId ? { recordedClusterId } : {}),
    ...(listed?.exitCode === 0 ? { swarmNodes: parseNodeList(listed.stdout) } : {}),
    ...(missingSecrets.length > 0 ? { missingSecrets } : {}),
    ...(dataHolds.held.length > 0 || dataHolds.startEmpty.length > 0 ? { dataHolds } : {}),
    certificates: run.sites.map((site, i) => {
      const decision = renewalDecision(metas[i], allNames(site), new Date(), options.forceCertificates);
      return { domain: site.domain, altNames: site.altNames, due: decision.due, reason: decision.reason };
    }),
  };
}

/** The target's swarm nodes (every node but the support droplet), each a manager or a worker. */
const swarmNodesOf = (target: Target) => target.nodes().flatMap((node) => (node.role === 'support' ? [] : [{ ...node, role: node.role === 'manager' ? ('manager' as const) : ('worker' as const) }]));

const composePathOf = (projectDir: string): string => `${projectDir}/docker-compose.yml`;

async function nodeFacts(options: DeployOptions, projectDir: string): Promise<NodeFacts[]> {
  const nodes = swarmNodesOf(options.target);
  const facts = await Promise.all(
    nodes.map(async (node): Promise<NodeFacts> => {
      const shell = options.target.shell(node.name);
      const [info, files] = await Promise.all([
        shell.run(swarmInfo, { signal: options.signal }).catch((error: unknown) => {
          // renew goes on without a worker it does not need (planRenew decides); apply stops here.
          if (!options.certificatesOnly || options.signal?.aborted) throw error;
          return { unreachable: errorLine(error) };
        }),
        shell.probe(hashFiles(projectDir), { signal: options.signal }).catch((error: unknown) => {
          if (!options.certificatesOnly || options.signal?.aborted) throw error;
          return { exitCode: 255, stdout: '', stderr: '' };
        }),
      ]);
      const advertiseAddr = options.advertiseAddr?.(node.name);
      const proxyFiles = [...parseHashes(files.stdout, projectDir)].filter(([path]) => path.startsWith('proxy/')).map(([path, hash]): [string, string] => [path.slice('proxy/'.length), hash]);
      return {
        name: node.name,
        role: node.role,
        ...(advertiseAddr ? { advertiseAddr } : {}),
        swarm: 'unreachable' in info ? { nodeId: '', nodeAddr: '', state: UNREACHABLE, isManager: false, error: info.unreachable } : parseSwarmInfo(info.stdout),
        projectExists: files.exitCode === 0,
        ...(proxyFiles.length > 0 ? { proxyFiles: new Map(proxyFiles) } : {}),
      };
    }),
  );
  const manager = facts.find((node) => node.role === 'manager' && node.swarm.isManager);
  if (manager) {
    const shell = options.target.shell(manager.name);
    for (const node of facts) {
      if (node.swarm.state !== 'active' || !node.swarm.nodeId) continue;
      const labels = await shell.probe(nodeLabels(node.swarm.nodeId));
      if (labels.exitCode === 0) node.labels = parseLabels(labels.stdout);
    }
  }
  return facts;
}

/** renew plans only the certificate phases; apply stops before anything runs when a service's secret was never set. */
function planPhases(options: DeployOptions, facts: DeployFacts): DeployPhase[] {
  let phases: DeployPhase[];
  try {
    phases = options.certificatesOnly ? planRenew(options.config, facts) : planDeploy(options.config, facts);
  } catch (error) {
    if (error instanceof DeployPlanError) throw new StepFailed('swarm', { message: error.message, hint: error.hint });
    throw error;
  }
  // A service's secret that was never set: nothing is deployed (the stack deploy would fail half-way).
  if (!options.certificatesOnly && facts.missingSecrets) throw secretsNotSet(options.config.project, facts.missingSecrets);
  return phases;
}

function deployContext(options: DeployOptions, run: DeployRun, orders: CertificateOrders, support: SupportRead | undefined): DeployContext {
  return {
    servedMatches: (node) => servedMismatch(options.target, node, run.certs, run.sites),
    config: options.config,
    store: options.store,
    target: options.target,
    emit: options.onEvent ?? (() => undefined),
    signal: options.signal,
    timing: { ...DEFAULT_DEPLOY_TIMING, ...options.timing },
    proxyFiles: run.stack.proxyFiles,
    stackSpec: () => stackSpec(run.stack),
    issue: (step) => orders.issue(step),
    resolveImage: options.resolveImage,
    ...(support ? { support: support.context } : {}),
  };
}

/**
 * The stored certificates' metadata, each with its renewal window refreshed from the CA (ARI) when its
 * Retry-After has passed, so the plan orders what the CA says is due. A CA that cannot be asked leaves
 * the stored schedule (or the lifetime rule) to decide.
 */
async function currentSchedules(options: DeployOptions, certs: CertificateStore, sites: readonly SiteNames[]): Promise<(CertificateMeta | undefined)[]> {
  const metas = await Promise.all(sites.map((site) => certs.readMeta(site.domain)));
  if (!metas.some((meta) => meta && !meta.placeholder)) return metas;
  const issuer = await options.issuing.issuer().catch(() => undefined);
  if (!issuer) return metas;
  const now = new Date();
  return Promise.all(sites.map((site, i) => refreshAriSchedule(certs, issuer, site.domain, metas[i], now)));
}

/**
 * The support server may have renewed since the last run: its newer certificates are taken first. When
 * it holds no copy of the project (its droplet was made again), what it renewed survives only in the
 * proxy folders it rolled out to: the newer of those are taken instead.
 */
async function takeFromSupport(options: DeployOptions, projectDir: string, sites: readonly SiteNames[]): Promise<{ taken: string[]; copyLost?: { fromProxies: string[] } }> {
  const node = options.support!.node;
  const shell = options.target.shell(node);
  try {
    if (await supportHasCopy(shell, projectDir, options.signal)) return { taken: await takeNewerCertificates(shell, options.dir, projectDir, sites, options.signal) };
    if (options.config.certificates.delivery !== 'files') return { taken: [], copyLost: { fromProxies: [] } };
    const proxies = proxyNodesOf(options.config, swarmNodesOf(options.target)).map((name) => options.target.shell(name));
    const fromProxies = await takeServedCertificates(proxies, options.dir, projectDir, sites, options.signal);
    return { taken: fromProxies, copyLost: { fromProxies } };
  } catch (error) {
    throw new StepFailed(`support:${node}`, {
      message: `reading the certificates the support server ${node} renewed failed: ${errorLine(error)}`,
      hint: `It renews them from cron, so this folder may hold older ones: nothing was changed. Make ${node} reachable over SSH again, then run apply again.`,
    });
  }
}

/** The project folder of `--target local`: inside the project, so trying it out writes nothing elsewhere. */
export const localNodeRoot = (dir: string): string => join(dir, '.swarm-wiz', 'local');
