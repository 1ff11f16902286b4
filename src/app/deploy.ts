import { join } from 'node:path';
import { renderCompose } from '../../recipes/compose.js';
import { certificateFiles, certsVersionVariable, declaredSecrets, DEPLOY_ENV, nodeProxyDir, proxyImageRepository, remoteProjectDir, secretNotSetMessage, sha256Hex } from '../../recipes/names.js';
import { renderDockerfile } from '../../recipes/dockerfile.js';
import { renderProxyNginxConf } from '../../recipes/project-files.js';
import type { RenderContext } from '../../recipes/index.js';
import type { RegistryCredentials } from '../../recipes/registry-login.js';
import type { CertificateIssuer } from '../certs/renew-sites.js';
import { renewSites } from '../certs/renew-sites.js';
import { ensurePlaceholders } from '../certs/placeholder.js';
import { renewalDecision } from '../certs/renewal-policy.js';
import { refreshAriSchedule } from '../certs/ari-refresh.js';
import { allNames, siteNamesOf } from '../certs/sites.js';
import { CertificateStore } from '../adapters/certificate-store.js';
import type { CertificateMeta } from '../certs/metadata.js';
import { probeTls } from '../adapters/tls-probe.js';
import { hashFiles, nodeLabels, parseHashes, parseLabels, parseStackServices, parseSwarmInfo, stackServices, swarmInfo } from '../commands/index.js';
import { currentSecretVersions, secretEnv } from './secret-versions.js';
import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import type { Config } from '../config/index.js';
import { DeployPlanError, planDeploy, planRenew, type CertificateStep, type DeployFacts, type DeployPhase, type NodeFacts } from '../plan/index.js';
import { DEFAULT_DEPLOY_TIMING, type DeployContext, type DeployTiming, type ProxyFile, type ProxyImageBuild, type StackSpec } from '../run/deploy-context.js';
import { DEPLOY_HANDLERS } from '../run/deploy-handlers.js';
import { eachStep, runPhases } from '../run/engine.js';
import type { ApplyEventListener } from '../run/events.js';
import { StepFailed } from '../run/failure.js';
import { stateAttemptLog, type StateStore } from '../state/index.js';
import type { Target } from '../targets/target.js';
import { supportFacts, takeNewerCertificates, type SupportSetup } from './support.js';

/** How certificates are ordered for this run; built by the caller (it knows the CA, the trust and the responder). */
export interface Issuing {
  /** The ACME engine, made on first use (no CA is contacted when nothing is due). */
  issuer(): Promise<CertificateIssuer>;
  /** Started before the first order and stopped at the end of the run (the local webroot server). */
  start?(): Promise<() => Promise<void>>;
}

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
  onEvent?: ApplyEventListener;
  signal?: AbortSignal;
  timing?: Partial<DeployTiming>;
}

/** The run options of `options` that are set, to pass on to deployProject. */
export function runOptionsOf(options: DeployRunOptions): Pick<DeployOptions, 'forceCertificates' | 'certificatesOnly' | 'registryLogin' | 'onEvent' | 'signal' | 'timing'> {
  return {
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
}


/** Relative to the proxy folder: `certs/<domain>/fullchain.pem` (nginx.conf names them under /etc/nginx/swarm-wiz). */
const inProxyFolder = (projectRelative: string): string => projectRelative.replace(/^proxy\//, '');

/** nginx.conf and every site's chain + key (placeholder or real), as the proxy folder must hold them. */
async function desiredProxyFiles(config: Config, certs: CertificateStore, context: RenderContext): Promise<Map<string, ProxyFile>> {
  const files = new Map<string, ProxyFile>();
  for (const site of config.sites) {
    const stored = await certs.read(site.domain);
    if (!stored) continue;
    const paths = certificateFiles(site.domain);
    files.set(inProxyFolder(paths.chain), { content: stored.fullchainPem, mode: 0o644 });
    files.set(inProxyFolder(paths.key), { content: stored.keyPem, mode: 0o600 });
  }
  files.set('nginx.conf', { content: renderProxyNginxConf(config, context), mode: 0o644 });
  return files;
}

async function nodeFacts(options: DeployOptions, projectDir: string): Promise<NodeFacts[]> {
  const nodes = options.target.nodes().filter((node) => node.role !== 'support');
  const facts = await Promise.all(
    nodes.map(async (node): Promise<NodeFacts> => {
      const shell = options.target.shell(node.name);
      const [info, files] = await Promise.all([shell.run(swarmInfo, { signal: options.signal }), shell.probe(hashFiles(projectDir), { signal: options.signal })]);
      const advertiseAddr = options.advertiseAddr?.(node.name);
      const proxyFiles = [...parseHashes(files.stdout, projectDir)].filter(([path]) => path.startsWith('proxy/')).map(([path, hash]): [string, string] => [path.slice('proxy/'.length), hash]);
      return {
        name: node.name,
        role: node.role === 'manager' ? 'manager' : 'worker',
        ...(advertiseAddr ? { advertiseAddr } : {}),
        swarm: parseSwarmInfo(info.stdout),
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

/**
 * Everything after the droplets (or on this machine): reads what the nodes look like, plans the
 * phases — node folders, swarm init / joins / labels, the proxy folder, the stack, the certificates that
 * are due and their rollout — and runs them on the engine. Nothing here prints; progress goes to onEvent.
 * Rejects with StepFailed (what failed and what to do) or ApplyAborted.
 */
export async function deployProject(options: DeployOptions): Promise<DeployResult> {
  const { config, store } = options;
  const emit: ApplyEventListener = options.onEvent ?? (() => undefined);
  const certs = new CertificateStore(options.dir);
  const sites = siteNamesOf(config);
  await ensurePlaceholders(certs, sites);
  const projectDir = remoteProjectDir(config, options.nodeRoot);
  const proxyDir = nodeProxyDir(config, options.nodeRoot);
  // The support server may have renewed since the last run: its newer certificates are taken before anything is decided.
  const taken = options.support ? await takeFromSupport(options, projectDir, sites) : [];
  const proxyFiles = () => desiredProxyFiles(config, certs, options.renderContext);
  const desired = await proxyFiles();
  const composePath = `${projectDir}/docker-compose.yml`;
  const compose = renderCompose(config);
  const managerName = options.target.nodes().find((node) => node.role === 'manager')?.name;
  /** The services' secrets: SWARM_WIZ_SECRET_<NAME> → the newest stored version of each, read on the manager. */
  const appSecrets = async (): Promise<{ env: Record<string, string>; missing: string[] }> =>
    declaredSecrets(config).length === 0 || !managerName
      ? { env: {}, missing: [] }
      : secretEnv(config, await currentSecretVersions(options.target.shell(managerName), config.project, options.signal));
  const stackSpec = async (): Promise<StackSpec> => {
    const supportIp = config.certificates.challenge === 'http-01' ? await options.supportAddress() : undefined;
    if (config.certificates.challenge === 'http-01' && !supportIp) {
      throw new StepFailed(`stack:${config.project}`, { message: 'the support server address is not known', hint: 'Run apply again once the swarm is initialised.' });
    }
    const secrets = await appSecrets();
    if (secrets.missing.length > 0) throw secretsNotSet(config.project, secrets.missing);
    const support: Record<string, string> = { ...(supportIp ? { [DEPLOY_ENV.supportIp]: supportIp } : {}), ...secrets.env };
    if (config.certificates.delivery === 'files') {
      const env: Record<string, string> = { [DEPLOY_ENV.proxyDir]: proxyDir, ...support };
      return { compose, env, hash: sha256Hex(JSON.stringify({ compose, env })), files: new Map<string, ProxyFile>() };
    }
    // delivery: secrets — nginx.conf and the certificates go beside the compose file on the manager, and
    // their content versions name the Swarm config and secrets (as deploy_stack.sh computes them).
    const folder = await proxyFiles();
    const version = (...paths: string[]) => sha256Hex(paths.map((path) => folder.get(path)?.content ?? '').join('')).slice(0, 12);
    const env: Record<string, string> = { ...support, [DEPLOY_ENV.configVersion]: version('nginx.conf') };
    config.sites.forEach((site, index) => {
      const paths = certificateFiles(site.domain);
      env[certsVersionVariable(index)] = version(inProxyFolder(paths.chain), inProxyFolder(paths.key));
    });
    const files = new Map([...folder].map(([path, file]): [string, ProxyFile] => [`proxy/${path}`, file]));
    if (config.certificates.delivery === 'image') {
      // The article's way: nginx.conf and the certificates baked into the proxy image, tagged by content.
      files.set('proxy/Dockerfile', { content: renderDockerfile(config), mode: 0o644 });
      const tag = sha256Hex([...files].sort(([a], [b]) => a.localeCompare(b)).map(([path, file]) => `${path}\n${file.content}`).join('\n')).slice(0, 12);
      const build = proxyImageBuild(`${proxyImageRepository(config)}:${tag}`, options, projectDir);
      // The stack deploy reads the login from where the push step kept it (--with-registry-auth passes it on).
      const dockerConfig: Record<string, string> = build.push?.dockerConfig ? { DOCKER_CONFIG: build.push.dockerConfig } : {};
      const imageEnv: Record<string, string> = { ...support, [DEPLOY_ENV.proxyTag]: tag, ...dockerConfig };
      return { compose, env: imageEnv, hash: sha256Hex(JSON.stringify({ compose, env: imageEnv })), files, build };
    }
    return { compose, env, hash: sha256Hex(JSON.stringify({ compose, env })), files };
  };

  let facts: DeployFacts;
  let support: Awaited<ReturnType<typeof supportFacts>> | undefined;
  try {
    if (options.support) {
      const shell = options.target.shell(options.support.node);
      support = await supportFacts({
        config,
        dir: options.dir,
        state: () => store.state,
        setup: options.support,
        sites,
        shell,
        remoteDir: projectDir,
        swarmNodes: options.target.nodes().filter((node) => node.role !== 'support').map((node) => node.name),
        nodeShell: (name) => options.target.shell(name),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (taken.length > 0) support.facts.taken = taken;
    }
    const nodes = await nodeFacts(options, projectDir);
    const manager = nodes[0];
    const services = manager?.swarm.isManager ? parseStackServices((await options.target.shell(manager.name).probe(stackServices(config.project))).stdout) : [];
    const spec = manager?.swarm.isManager ? await stackSpec().catch(() => undefined) : undefined;
    const missingSecrets = manager?.swarm.isManager ? (await appSecrets()).missing : [];
    const metas = await currentSchedules(options, certs, sites);
    facts = {
      nodes,
      projectDir,
      proxyDir,
      desiredProxyFiles: new Map([...desired].map(([path, file]) => [path, sha256Hex(file.content)])),
      services,
      stack: { composePath, env: spec?.env ?? {}, hash: spec?.hash ?? '', ...(store.state.stack ? { recordedHash: store.state.stack.hash } : {}) },
      ...(store.state.swarm?.clusterId ? { recordedClusterId: store.state.swarm.clusterId } : {}),
      ...(missingSecrets.length > 0 ? { missingSecrets } : {}),
      certificates: sites.map((site, i) => {
        const decision = renewalDecision(metas[i], allNames(site), new Date(), options.forceCertificates);
        return { domain: site.domain, altNames: site.altNames, due: decision.due, reason: decision.reason };
      }),
      ...(support ? { support: support.facts } : {}),
    };
  } catch (error) {
    if (error instanceof StepFailed) throw error;
    throw new StepFailed('nodes', { message: `reading the nodes failed: ${(error as Error).message}`, hint: (error as { hint?: string }).hint ?? 'Check that the nodes are reachable and Docker runs on them, then run apply again.' });
  }
  let phases: DeployPhase[];
  try {
    // renew: the certificates, their rollout, and the support server's copy of what was renewed.
    phases = options.certificatesOnly ? planRenew(config, facts) : planDeploy(config, facts);
  } catch (error) {
    if (error instanceof DeployPlanError) throw new StepFailed('swarm', { message: error.message, hint: error.hint });
    throw error;
  }
  // A service's secret that was never set: nothing is deployed (the stack deploy would fail half-way).
  if (!options.certificatesOnly && facts.missingSecrets) throw secretsNotSet(config.project, facts.missingSecrets);
  emit({ type: 'planned', steps: phases.flatMap((phase) => phase.steps), append: true });

  const issued: string[] = [];
  let stop: (() => Promise<void>) | undefined;
  let started: Promise<void> | undefined;
  const issue = async (step: CertificateStep): Promise<CertificateMeta> => {
    // The responder (the local webroot server) starts with the first order: by then the swarm runs.
    started ??= (async () => {
      if (options.issuing.start) stop = await options.issuing.start();
    })();
    await started;
    const issuer = await options.issuing.issuer();
    const [result] = await renewSites({ sites: [{ domain: step.domain, altNames: step.altNames }], store: certs, issuer, force: step.reason === 'forced', attempts: stateAttemptLog(store) });
    if (result?.outcome === 'renewed') {
      issued.push(step.domain);
      return result.meta;
    }
    if (result?.outcome === 'failed') {
      const retry = result.error.retryAfter ? ` The CA asks to wait until ${result.error.retryAfter.toISOString()}.` : '';
      throw new StepFailed(step.id, { message: `ordering the certificate for ${step.domain} failed: ${result.error.message}`, hint: `The proxy keeps serving the certificate it has.${retry} Fix the cause and run apply (or renew) again.` });
    }
    const meta = await certs.readMeta(step.domain);
    if (!meta) throw new StepFailed(step.id, { message: `no certificate stored for ${step.domain}`, hint: 'Run apply again.' });
    return meta;
  };
  const servedMatches = async (nodeName: string): Promise<string | undefined> => {
    const address = options.target.nodes().find((node) => node.name === nodeName)?.publicIp;
    if (!address) return undefined;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const wrong: string[] = [];
      for (const site of sites) {
        const stored = await certs.readMeta(site.domain);
        const live = await probeTls({ address, servername: site.domain, timeoutMs: 3000 });
        if (stored && live.serial !== stored.serial) wrong.push(`${site.domain} (serves ${live.serial ?? live.error ?? 'nothing'}, stored ${stored.serial})`);
      }
      if (wrong.length === 0) return undefined;
      if (Date.now() > deadline) return `still serves other certificates than the stored ones after 15 s: ${wrong.join(', ')}`;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const ctx: DeployContext = {
    servedMatches,
    config,
    store,
    target: options.target,
    emit,
    signal: options.signal,
    timing: { ...DEFAULT_DEPLOY_TIMING, ...options.timing },
    proxyFiles,
    stackSpec,
    issue,
    resolveImage: options.resolveImage,
    ...(support ? { support: support.context } : {}),
  };
  try {
    await runPhases(ctx, phases, eachStep(DEPLOY_HANDLERS));
  } finally {
    await started?.catch(() => undefined);
    await stop?.();
  }
  return { phases, issued };
}

function secretsNotSet(project: string, names: readonly string[]): StepFailed {
  return new StepFailed(`stack:${project}`, {
    message: names.map(secretNotSetMessage).join('; '),
    hint: 'Nothing was deployed. Set each secret (its value from stdin or a masked prompt; it is stored only as a Swarm secret), then run apply again.',
  });
}

/**
 * The stored certificates' metadata, each with its renewal window refreshed from the CA (ARI) when its
 * Retry-After has passed, so the plan orders what the CA says is due. A CA that cannot be asked leaves
 * the stored schedule (or the lifetime rule) to decide.
 */
async function currentSchedules(options: DeployOptions, certs: CertificateStore, sites: ReturnType<typeof siteNamesOf>): Promise<(CertificateMeta | undefined)[]> {
  const metas = await Promise.all(sites.map((site) => certs.readMeta(site.domain)));
  if (!metas.some((meta) => meta && !meta.placeholder)) return metas;
  const issuer = await options.issuing.issuer().catch(() => undefined);
  if (!issuer) return metas;
  const now = new Date();
  return Promise.all(sites.map((site, i) => refreshAriSchedule(certs, issuer, site.domain, metas[i], now)));
}

async function takeFromSupport(options: DeployOptions, projectDir: string, sites: ReturnType<typeof siteNamesOf>): Promise<string[]> {
  const node = options.support!.node;
  try {
    return await takeNewerCertificates(options.target.shell(node), options.dir, projectDir, sites, options.signal);
  } catch (error) {
    throw new StepFailed(`support:${node}`, {
      message: `reading the certificates the support server ${node} renewed failed: ${(error as Error).message.split('\n')[0]}`,
      hint: `It renews them from cron, so this folder may hold older ones: nothing was changed. Make ${node} reachable over SSH again, then run apply again.`,
    });
  }
}

/**
 * delivery: image — built on the manager; pushed to the registry unless the one node that runs it
 * built it (--target local), so that every node can pull it (the stack deploy passes the login on).
 * The login is kept in the project folder on the manager (`<projectDir>/.docker`, DOCKER_CONFIG), not
 * in root's ~/.docker.
 */
export function proxyImageBuild(tag: string, options: Pick<DeployOptions, 'buildsWithoutPush' | 'registryLogin'>, projectDir: string): ProxyImageBuild {
  if (options.buildsWithoutPush) return { tag };
  return { tag, push: options.registryLogin ? { login: options.registryLogin, dockerConfig: `${projectDir}/.docker` } : {} };
}

/** The project folder of `--target local`: inside the project, so trying it out writes nothing elsewhere. */
export const localNodeRoot = (dir: string): string => join(dir, '.swarm-wiz', 'local');
