import { certificateFiles, certsVersionVariable, declaredSecrets, DEPLOY_ENV, proxyImageRepository, secretNotSetMessage, sha256Hex } from '../../recipes/names.js';
import { renderDockerfile } from '../../recipes/dockerfile.js';
import type { RegistryCredentials } from '../../recipes/registry-login.js';
import type { Config } from '../config/index.js';
import type { ProxyFile, ProxyImageBuild, StackSpec } from '../run/deploy-context.js';
import { StepFailed } from '../run/failure.js';
import type { Target } from '../targets/target.js';
import { inProxyFolder } from './proxy-folder.js';
import { currentSecretVersions, secretEnv } from './secret-versions.js';

/** What the stack of one deploy is made from. */
export interface StackSources {
  config: Config;
  target: Target;
  /** docker-compose.yml's text, rendered once per run. */
  compose: string;
  /** The project folder on every node (`<projectDir>/.docker` keeps the registry login of delivery: image). */
  projectDir: string;
  /** The proxy folder on the proxy nodes (delivery: files mounts it). */
  proxyDir: string;
  /** What the proxy folder must hold, read when asked (a certificate step may just have changed it). */
  proxyFiles(): Promise<Map<string, ProxyFile>>;
  /** The support server's address as the proxy reaches it, read once the swarm runs. */
  supportAddress(): Promise<string | undefined>;
  /** One node and no registry (--target local): delivery: image builds the proxy image there and pushes nothing. */
  buildsWithoutPush?: boolean;
  /** delivery: image on droplets: `docker login` on the manager with these before the push (none: an anonymous push). */
  registryLogin?: RegistryCredentials;
  signal?: AbortSignal;
  /** The manager to read the swarm's secrets on (the lead, once known); else the first manager. */
  manager?: string;
}

/** The services' secrets: SWARM_WIZ_SECRET_<NAME> → the newest stored version of each, read on the manager. */
export async function serviceSecrets(sources: Pick<StackSources, 'config' | 'target' | 'signal' | 'manager'>): Promise<{ env: Record<string, string>; missing: string[] }> {
  const manager = sources.manager ?? sources.target.nodes().find((node) => node.role === 'manager')?.name;
  if (declaredSecrets(sources.config).length === 0 || !manager) return { env: {}, missing: [] };
  return secretEnv(sources.config, await currentSecretVersions(sources.target.shell(manager), sources.config.project, sources.signal));
}

/** A service's secret that was never set: nothing is deployed (the stack deploy would fail half-way). */
export function secretsNotSet(project: string, names: readonly string[]): StepFailed {
  return new StepFailed(`stack:${project}`, {
    message: names.map(secretNotSetMessage).join('; '),
    hint: 'Nothing was deployed. Set each secret (its value from stdin or a masked prompt; it is stored only as a Swarm secret), then run apply again.',
  });
}

/**
 * What the stack step deploys: docker-compose.yml, the values it interpolates (known once the swarm
 * runs: the support address, the services' secrets) and, unless delivery is files, nginx.conf and the
 * certificates beside it. The hash covers compose and values: equal means nothing to deploy.
 */
export async function stackSpec(sources: StackSources): Promise<StackSpec> {
  const shared = await everyDeliveryEnv(sources);
  const delivery = sources.config.certificates.delivery;
  if (delivery === 'files') return specOf(sources.compose, { [DEPLOY_ENV.proxyDir]: sources.proxyDir, ...shared }, new Map());
  const folder = await sources.proxyFiles();
  return delivery === 'image' ? imageSpec(sources, shared, folder) : secretsSpec(sources, shared, folder);
}

/** The support server's address (http-01: the proxy forwards challenges to it) and the services' secrets. */
async function everyDeliveryEnv(sources: StackSources): Promise<Record<string, string>> {
  const { config } = sources;
  const supportIp = config.certificates.challenge === 'http-01' ? await sources.supportAddress() : undefined;
  if (config.certificates.challenge === 'http-01' && !supportIp) {
    throw new StepFailed(`stack:${config.project}`, { message: 'the support server address is not known', hint: 'Run apply again once the swarm is initialised.' });
  }
  const secrets = await serviceSecrets(sources);
  if (secrets.missing.length > 0) throw secretsNotSet(config.project, secrets.missing);
  return { ...(supportIp ? { [DEPLOY_ENV.supportIp]: supportIp } : {}), ...secrets.env };
}

const specOf = (compose: string, env: Record<string, string>, files: Map<string, ProxyFile>, build?: ProxyImageBuild): StackSpec => ({
  compose,
  env,
  hash: sha256Hex(JSON.stringify({ compose, env })),
  files,
  ...(build ? { build } : {}),
});

/** The proxy folder's files as they go beside the compose file on the manager (`proxy/…`). */
const besideCompose = (folder: Map<string, ProxyFile>): Map<string, ProxyFile> => new Map([...folder].map(([path, file]): [string, ProxyFile] => [`proxy/${path}`, file]));

/**
 * delivery: secrets — nginx.conf and the certificates go beside the compose file on the manager, and
 * their content versions name the Swarm config and secrets (as deploy_stack.sh computes them).
 */
function secretsSpec(sources: StackSources, shared: Record<string, string>, folder: Map<string, ProxyFile>): StackSpec {
  const version = (...paths: string[]) => sha256Hex(paths.map((path) => folder.get(path)?.content ?? '').join('')).slice(0, 12);
  const env: Record<string, string> = { ...shared, [DEPLOY_ENV.configVersion]: version('nginx.conf') };
  sources.config.sites.forEach((site, index) => {
    const paths = certificateFiles(site.domain);
    env[certsVersionVariable(index)] = version(inProxyFolder(paths.chain), inProxyFolder(paths.key));
  });
  return specOf(sources.compose, env, besideCompose(folder));
}

/** delivery: image — the article's way: nginx.conf and the certificates baked into the proxy image, tagged by content. */
function imageSpec(sources: StackSources, shared: Record<string, string>, folder: Map<string, ProxyFile>): StackSpec {
  const files = besideCompose(folder);
  files.set('proxy/Dockerfile', { content: renderDockerfile(sources.config), mode: 0o644 });
  const tag = sha256Hex([...files].sort(([a], [b]) => a.localeCompare(b)).map(([path, file]) => `${path}\n${file.content}`).join('\n')).slice(0, 12);
  const build = proxyImageBuild(`${proxyImageRepository(sources.config)}:${tag}`, sources, sources.projectDir);
  // The stack deploy reads the login from where the push step kept it (--with-registry-auth passes it on).
  const dockerConfig: Record<string, string> = build.push?.dockerConfig ? { DOCKER_CONFIG: build.push.dockerConfig } : {};
  return specOf(sources.compose, { ...shared, [DEPLOY_ENV.proxyTag]: tag, ...dockerConfig }, files, build);
}

/**
 * delivery: image — built on the manager; pushed to the registry unless the one node that runs it
 * built it (--target local), so that every node can pull it (the stack deploy passes the login on).
 * The login is kept in the project folder on the manager (`<projectDir>/.docker`, DOCKER_CONFIG), not
 * in root's ~/.docker.
 */
export function proxyImageBuild(tag: string, options: Pick<StackSources, 'buildsWithoutPush' | 'registryLogin'>, projectDir: string): ProxyImageBuild {
  if (options.buildsWithoutPush) return { tag };
  return { tag, push: options.registryLogin ? { login: options.registryLogin, dockerConfig: `${projectDir}/.docker` } : {} };
}
