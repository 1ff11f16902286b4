import { createHash } from 'node:crypto';
import type { Config, Delivery, Service } from '../src/config/index.js';
import { PROXY_FOLDER_IN_CONTAINER } from '../src/commands/stack.js';

/**
 * Names and paths the generated files agree on. Other parts of swarm-wiz (the executor, renew,
 * provisioning) use these too, so that what they copy, label and set matches what the recipes render.
 */

/** Host name of the support server inside the proxy container; compose maps it with `extra_hosts`. */
export const SUPPORT_HOST = 'swarm-wiz-support';

/** Health endpoint of the proxy on port 80, answered whatever the Host header (for the DO load balancer). */
export const HEALTH_PATH = '/healthz';

/** Node label the provisioner sets on the worker(s) that run the proxy in `dedicated` and `per-domain`. */
export const PROXY_NODE_LABEL = 'swarm-wiz.proxy';

/**
 * Node label that pins a service with volumes to the one node holding its data (named volumes are
 * local to a node): `swarm-wiz.data.<service>=true`, set by apply on the first manager.
 */
export const dataNodeLabel = (service: string): string => `swarm-wiz.data.${service}`;

/** Where a project's files live on the manager and on the support server (cloud-init creates the parent). */
export const REMOTE_ROOT = '/srv/swarm-wiz';
export const remoteProjectDir = (config: Pick<Config, 'project'>, root: string = REMOTE_ROOT): string => `${root}/${config.project}`;

/**
 * delivery: files — the folder on every proxy node holding nginx.conf and each site's key + chain
 * (dir 0700, keys 0600, root), laid out like the project's own `proxy/` folder, and bind-mounted
 * read-only into the proxy container at PROXY_FOLDER_IN_CONTAINER.
 */
export const nodeProxyDir = (config: Pick<Config, 'project'>, root: string = REMOTE_ROOT): string => `${remoteProjectDir(config, root)}/proxy`;
// PROXY_FOLDER_IN_CONTAINER and NGINX_CONF_IN_CONTAINER live with the proxy-container commands (src/commands/stack.ts).
export { PROXY_FOLDER_IN_CONTAINER, NGINX_CONF_IN_CONTAINER } from '../src/commands/stack.js';

/** The webroot the support server serves on :80 and the ACME client writes HTTP-01 tokens into. */
export const supportWebroot = (config: Config): string => `${remoteProjectDir(config)}/acme-webroot`;

/**
 * Environment variables `docker stack deploy` interpolates into docker-compose.yml.
 * deploy_stack.sh sets the versions from the content of the files (sha256, 12 hex digits), so a
 * changed certificate or nginx.conf gets a NEW Swarm secret/config name and the proxy rolls;
 * unchanged content keeps its name and nothing restarts.
 */
export const DEPLOY_ENV = {
  supportIp: 'SWARM_WIZ_SUPPORT_IP',
  configVersion: 'SWARM_WIZ_CONFIG_VERSION',
  /** One per site (`SWARM_WIZ_CERTS_VERSION_1` for the first): see certsVersionVariable. */
  certsVersion: 'SWARM_WIZ_CERTS_VERSION',
  proxyTag: 'SWARM_WIZ_PROXY_TAG',
  proxyDir: 'SWARM_WIZ_PROXY_DIR',
} as const;

/**
 * The variable holding the version of site `index`'s certificate files (delivery: secrets): one per
 * site, so a renewal renames only that site's secrets. Sites are counted from 1 in swarm-wiz.yaml's order.
 */
export const certsVersionVariable = (index: number): string => `${DEPLOY_ENV.certsVersion}_${index + 1}`;

/** Where a site's certificate and key sit in the project directory (and in the proxy image's build context `proxy/`). */
export function certificateFiles(domain: string): { chain: string; key: string } {
  const dir = `proxy/certs/${fileStem(domain)}`;
  return { chain: `${dir}/fullchain.pem`, key: `${dir}/privkey.pem` };
}

/** Hex sha256 of text or bytes: content versions, file records, stack hashes. */
export const sha256Hex = (content: string | Uint8Array): string => createHash('sha256').update(content).digest('hex');
const shortHash = (text: string, length: number): string => sha256Hex(text).slice(0, length);

/**
 * The domain as it appears in file and Swarm object names: a wildcard `*.a.com` becomes
 * `_wildcard.a.com` (`*` is not allowed in Swarm names; `_` cannot start a real DNS label, so no clash).
 */
const domainSlug = (domain: string): string => domain.replace(/^\*\./, '_wildcard.');

/** A file name for the domain that fits NAME_MAX (255) with a suffix: long names keep a prefix plus a hash. */
function fileStem(domain: string): string {
  const slug = domainSlug(domain);
  return slug.length <= 240 ? slug : `${slug.slice(0, 200)}-${shortHash(slug, 12)}`;
}

/** Secret file names inside the container (`/run/secrets/<target>`) for delivery: secrets. */
export function secretTargets(domain: string): { chain: string; key: string } {
  const stem = fileStem(domain);
  return { chain: `${stem}.crt`, key: `${stem}.key` };
}

/** Certificate paths nginx reads inside the proxy container. */
export function certificatePathsInContainer(delivery: Delivery, domain: string): { chain: string; key: string } {
  if (delivery === 'secrets') {
    const targets = secretTargets(domain);
    return { chain: `/run/secrets/${targets.chain}`, key: `/run/secrets/${targets.key}` };
  }
  if (delivery === 'files') {
    return { chain: `${PROXY_FOLDER_IN_CONTAINER}/certs/${fileStem(domain)}/fullchain.pem`, key: `${PROXY_FOLDER_IN_CONTAINER}/certs/${fileStem(domain)}/privkey.pem` };
  }
  return { chain: `/etc/nginx/ssl/${fileStem(domain)}/fullchain.pem`, key: `/etc/nginx/ssl/${fileStem(domain)}/privkey.pem` };
}

/** Swarm secret/config names are at most 64 of [a-zA-Z0-9_.-]; the version suffix takes 13 of them. */
const SWARM_NAME_MAX = 64;
const VERSION_SUFFIX_LENGTH = 13;

/** The Swarm object name prefix for one of a site's secrets; `_${version}` is appended at deploy time. */
export function secretNamePrefix(config: Config, domain: string, kind: 'crt' | 'key'): string {
  const room = SWARM_NAME_MAX - VERSION_SUFFIX_LENGTH - config.project.length - kind.length - 2;
  const slug = domainSlug(domain);
  const readable = slug.length <= room ? slug : `${slug.slice(0, room - 9)}-${shortHash(slug, 8)}`;
  return `${config.project}_${readable}_${kind}`;
}

/** The Swarm config name prefix of nginx.conf (delivery: secrets). */
export const nginxConfigNamePrefix = (config: Config): string => `${config.project}_nginx_conf`;

/** The proxy image repository for delivery: image (`<registry>/<project>-proxy`). */
export function proxyImageRepository(config: Config): string {
  if (!config.registry) throw new Error('delivery: image needs config.registry (the schema requires it)');
  return `${config.registry}/${config.project}-proxy`;
}

/** Overlay network shared by the proxy and every site's public service: the proxy's networks never change when a site is added. */
export const EDGE_NETWORK = 'edge';
/** Overlay network between a site's public service and its private services. */
export const internalNetwork = (serviceName: string): string => `${serviceName}-internal`;

// SECRET_LABELS and secretVersionName live with the secret commands (src/commands/secrets.ts).
export { SECRET_LABELS, secretVersionName } from '../src/commands/secrets.js';

/** The variable docker-compose.yml reads the current Swarm secret name of `name` from (`-` written `_`). */
export const secretVariable = (name: string): string => `SWARM_WIZ_SECRET_${name.toUpperCase().replaceAll('-', '_')}`;

/** Every app service of the project: each site's public service, then its private ones, in config order. */
export const appServices = (config: Pick<Config, 'sites'>): Service[] => config.sites.flatMap((site) => [site.service, ...site.private]);

/** The named volumes a service mounts: the NAME of each `NAME:/path`. */
export const volumeNames = (service: Pick<Service, 'volumes'>): string[] => (service.volumes ?? []).map((entry) => entry.slice(0, entry.indexOf(':')));

/** The app services with named volumes: pinned to the node labelled for their data, backed up, held after a lost droplet. */
export const dataServices = (config: Pick<Config, 'sites'>): Service[] => appServices(config).filter((service) => volumeNames(service).length > 0);

/** What `docker stack deploy` names a service or a volume of the project's stack: `<project>_<name>`. */
export const stackObjectName = (config: Pick<Config, 'project'>, name: string): string => `${config.project}_${name}`;

/** Every secret name the project's services declare, in config order, once each. */
export function declaredSecrets(config: Pick<Config, 'sites'>): string[] {
  return [...new Set(appServices(config).flatMap((service) => service.secrets ?? []))];
}

/** The services (names in swarm-wiz.yaml) that declare secret `name`. */
export function servicesUsingSecret(config: Pick<Config, 'sites'>, name: string): string[] {
  return appServices(config).filter((service) => (service.secrets ?? []).includes(name)).map((service) => service.name);
}

/** What a deploy says when a declared secret has no version yet. */
export const secretNotSetMessage = (name: string): string => `secret ${name} is not set: run swarm-wiz secret set ${name}`;
