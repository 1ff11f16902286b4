/*
 * docker-compose.yml — the stack `docker stack deploy` runs.
 *
 * Service discovery: every service uses `endpoint_mode: dnsrr`. Its name then resolves to the task IPs
 * (and does not exist at 0 replicas), so the proxy balances across tasks itself, keeps keep-alive
 * connections per task (upstream-resolve rendering) and shows a 503 page for a scaled-down service at
 * once instead of timing out against an empty VIP. It also works where Swarm's VIP/IPVS routing does
 * not (this project's test machines, some kernels). Host-mode ports are allowed with dnsrr; the
 * routing mesh (ingress) is not used at all.
 *
 * Proxy updates are stop-first: a task that publishes 80/443 in `mode: host` cannot start beside the
 * old one on the same node (Swarm leaves it pending). Every other service updates start-first.
 *
 * Values known only at deploy time are interpolated by `docker stack deploy` (deploy_stack.sh sets them):
 *   SWARM_WIZ_SUPPORT_IP      the support server's private IP (extra_hosts swarm-wiz-support; http-01 only)
 *   SWARM_WIZ_CONFIG_VERSION  12 hex digits of sha256(proxy/nginx.conf)      (delivery: secrets)
 *   SWARM_WIZ_CERTS_VERSION_N 12 hex digits of sha256(site N's chain + key)     (delivery: secrets; one per site)
 *   SWARM_WIZ_PROXY_TAG       the proxy image tag build_proxy.sh pushed        (delivery: image)
 *   SWARM_WIZ_PROXY_DIR       the proxy folder on the proxy nodes               (delivery: files; default /srv/swarm-wiz/<project>/proxy)
 *   SWARM_WIZ_SECRET_<NAME>   the newest Swarm secret of an app secret (<project>_<name>_v<N>; one per name in `secrets:`)
 * Swarm secrets and configs are immutable: a new version is a new name, which updates the proxy.
 * delivery: files needs none of that: nginx.conf and the certificates are a folder on each proxy node,
 * bind-mounted read-only, and a change is a reload (`nginx -s reload` via SIGHUP), never a new task.
 */
import YAML from 'yaml';
import type { Config, Service, Site } from '../src/config/index.js';
import {
  appServices,
  DEPLOY_ENV,
  dataNodeLabel,
  HEALTH_PATH,
  NGINX_CONF_IN_CONTAINER,
  PROXY_FOLDER_IN_CONTAINER,
  declaredSecrets,
  nodeProxyDir,
  PROXY_NODE_LABEL,
  secretVariable,
  SUPPORT_HOST,
  certificateFiles,
  certsVersionVariable,
  EDGE_NETWORK,
  internalNetwork,
  nginxConfigNamePrefix,
  proxyImageRepository,
  secretNamePrefix,
  secretTargets,
  volumeNames,
} from './names.js';

/**
 * `${NAME:?message}`: docker stops the deploy with the message when NAME is unset. Docker's
 * interpolation reads the first '-' in the braces as a `-default` rule (and a '}' ends them), so the
 * message is fixed text of ours and never holds a domain, a path or any other value from the config.
 */
const required = (name: string, what: string): string => {
  if (/[-}$]/.test(what)) throw new Error(`compose: the :? message for ${name} may not hold '-', '}' or '$' (${what})`);
  return `\${${name}:?set ${name} to ${what} (deploy_stack.sh does)}`;
};

/** Keys of the top-level `secrets:` map (the names inside this file, not the Swarm object names). */
const proxySecretKeys = (domain: string) => secretTargets(domain);

/**
 * The Swarm mode of the proxy service for a topology: `global` behind the load balancer, `replicated`
 * otherwise. Swarm cannot change a service's mode in place, so the deploy plan compares it with the
 * running service's (and replaces the service when they differ).
 */
export function proxyServiceMode(config: Pick<Config, 'topology'>): 'replicated' | 'global' {
  return config.topology === 'global-lb' ? 'global' : 'replicated';
}

function proxyPlacement(config: Config): Record<string, unknown> {
  const mode = proxyServiceMode(config);
  switch (config.topology) {
    case 'manager':
      return { mode, replicas: 1, placement: { constraints: ['node.role == manager'] } };
    case 'dedicated':
      return {
        mode,
        replicas: 1,
        placement: { constraints: ['node.role == worker', `node.labels.${PROXY_NODE_LABEL} == true`] },
      };
    case 'per-domain':
      // One replica per domain, one per labelled worker; each domain's A record points at its own
      // worker, and every replica serves every domain, so moving a record is all a failover needs.
      return {
        mode,
        replicas: config.sites.length,
        placement: {
          constraints: ['node.role == worker', `node.labels.${PROXY_NODE_LABEL} == true`],
          max_replicas_per_node: 1,
        },
      };
    case 'global-lb':
      return { mode, placement: { constraints: ['node.role == worker'] } };
  }
}

const healthUrl = `http://127.0.0.1${HEALTH_PATH}`;

/** dnsrr, rolling updates in `order`, rollback on failure, restart always: the deploy keys every service shares. */
function rollingDeploy(order: 'stop-first' | 'start-first'): Record<string, unknown> {
  return {
    endpoint_mode: 'dnsrr',
    update_config: { parallelism: 1, delay: '5s', order, failure_action: 'rollback', monitor: '20s' },
    rollback_config: { parallelism: 1, order },
    restart_policy: { condition: 'any', delay: '2s' },
  };
}

function proxyService(config: Config): Record<string, unknown> {
  const { delivery } = config.certificates;
  const secrets = delivery === 'secrets';
  const image = delivery === 'image' ? `${proxyImageRepository(config)}:${required(DEPLOY_ENV.proxyTag, 'the proxy image tag')}` : config.proxy.image;
  const service: Record<string, unknown> = {
    image,
    ...(delivery === 'files' ? { command: ['nginx', '-c', NGINX_CONF_IN_CONTAINER, '-g', 'daemon off;'] } : {}),
    ports: [80, 443].map((port) => ({ target: port, published: port, protocol: 'tcp', mode: 'host' })),
    // One edge network for the proxy and every public service: adding a site never changes the
    // proxy's own spec (with delivery: files), so Swarm keeps the running proxy and nginx reloads in place.
    networks: [EDGE_NETWORK],
  };
  if (config.certificates.challenge === 'http-01') {
    service.extra_hosts = [`${SUPPORT_HOST}:${required(DEPLOY_ENV.supportIp, 'the private IP of the support server')}`];
  }
  if (delivery === 'files') {
    service.volumes = [
      { type: 'bind', source: `\${${DEPLOY_ENV.proxyDir}:-${nodeProxyDir(config)}}`, target: PROXY_FOLDER_IN_CONTAINER, read_only: true },
    ];
  }
  if (secrets) {
    service.configs = [{ source: 'nginx_conf', target: '/etc/nginx/nginx.conf' }];
    service.secrets = config.sites.flatMap((site) => {
      const keys = proxySecretKeys(site.domain);
      const targets = secretTargets(site.domain);
      return [
        { source: keys.chain, target: targets.chain, mode: 0o444 },
        { source: keys.key, target: targets.key, mode: 0o400 },
      ];
    });
  }
  service.healthcheck = {
    // wget (busybox, alpine images) or curl; an image with neither is only checked for a live nginx (pid 1),
    // so a missing tool never makes Swarm kill a working proxy.
    test: [
      'CMD-SHELL',
      `if command -v wget >/dev/null; then wget -q -O /dev/null ${healthUrl}; ` +
        `elif command -v curl >/dev/null; then curl -fsS -o /dev/null ${healthUrl}; else kill -0 1; fi`,
    ],
    interval: '10s',
    timeout: '3s',
    retries: 3,
    start_period: '10s',
  };
  service.deploy = { ...proxyPlacement(config), ...rollingDeploy('stop-first') };
  return service;
}

/** `docker stack deploy` interpolates `${…}` in the whole file: a literal `$` in a value is written `$$`. */
const literal = (value: string): string => value.replaceAll('$', '$$$$');

/** How often an app service's check runs, how long one run may take, and how many failures in a row make Swarm stop the task (both forms). */
export const APP_HEALTH_TIMING = { intervalSeconds: 5, timeoutSeconds: 3, retries: 3 } as const;
const appHealthTiming = { interval: `${APP_HEALTH_TIMING.intervalSeconds}s`, timeout: `${APP_HEALTH_TIMING.timeoutSeconds}s`, retries: APP_HEALTH_TIMING.retries };

/**
 * The health check of a service with `health`. A path: an HTTP GET of it on the service's port inside
 * the container, with wget (busybox, Alpine, Debian) or else curl. A command (`{ cmd: [...] }`): run in
 * the container as it is written (compose's `CMD` form: no shell), healthy when it exits 0; each `$`
 * doubled so that `docker stack deploy` leaves it as written. A command check is often a database's,
 * whose first start initialises its data: it gets 60 s before failures count (a check that passes
 * earlier makes the task healthy at once), so Swarm never kills a first start halfway.
 *
 * Swarm counts a task running only once its check passed, so rollouts wait for it (apply waits for
 * every service to run its replicas; update_config monitors healthy tasks) and roll back when new
 * tasks never become healthy. Swarm stops a task whose check fails `retries` times in a row.
 */
export function healthCheck(service: Pick<Service, 'port' | 'health'>): Record<string, unknown> | undefined {
  const { health } = service;
  if (!health) return undefined;
  if (typeof health !== 'string') {
    return { test: ['CMD', ...health.cmd.map(literal)], ...appHealthTiming, start_period: '60s' };
  }
  const url = `http://127.0.0.1:${service.port}${health}`;
  return { test: ['CMD-SHELL', `wget -q -O /dev/null '${url}' || curl -fsS -o /dev/null '${url}'`], ...appHealthTiming, start_period: '20s' };
}

/**
 * An app service: its replicas (default 1), plain environment, health check and named volumes. A
 * service with volumes is pinned to the node labelled for its data and updated stop-first: two tasks
 * never share one data directory, even for a moment.
 */
function appService(service: Service, networks: string[], held: boolean): Record<string, unknown> {
  const volumes = service.volumes ?? [];
  const check = healthCheck(service);
  return {
    image: service.image,
    networks,
    ...(service.env && Object.keys(service.env).length > 0 ? { environment: Object.fromEntries(Object.entries(service.env).map(([name, value]) => [name, literal(value)])) } : {}),
    ...(volumes.length > 0 ? { volumes: [...volumes] } : {}),
    // Each at /run/secrets/<name>, readable by the container's root only.
    ...(service.secrets && service.secrets.length > 0 ? { secrets: service.secrets.map((name) => ({ source: name, target: name, mode: 0o400 })) } : {}),
    ...(check ? { healthcheck: check } : {}),
    deploy: {
      mode: 'replicated',
      // Held: its data's droplet was replaced and backups exist; it starts once `restore` brought the data back.
      replicas: held ? 0 : (service.replicas ?? 1),
      ...(volumes.length > 0 ? { placement: { constraints: [`node.labels.${dataNodeLabel(service.name)} == true`] } } : {}),
      ...rollingDeploy(volumes.length > 0 ? 'stop-first' : 'start-first'),
    },
  };
}

/** The named volumes the app services use (top-level `volumes:`). */
function appVolumes(config: Config): Record<string, unknown> {
  const names = appServices(config).flatMap(volumeNames);
  return names.length > 0 ? { volumes: Object.fromEntries([...new Set(names)].map((name) => [name, {}])) } : {};
}

/** A site's public service joins these: the shared edge network, plus its site's internal one when it has private services. */
function siteNetworks(site: Site): string[] {
  const name = site.service.name;
  return [EDGE_NETWORK, ...(site.private.length > 0 ? [internalNetwork(name)] : [])];
}

function siteServices(site: Site, held: ReadonlySet<string>): [string, Record<string, unknown>][] {
  return [
    [site.service.name, appService(site.service, siteNetworks(site), held.has(site.service.name))],
    ...site.private.map((svc): [string, Record<string, unknown>] => [svc.name, appService(svc, [internalNetwork(site.service.name)], held.has(svc.name))]),
  ];
}

function networks(config: Config): Record<string, unknown> {
  return Object.fromEntries([...new Set(config.sites.flatMap(siteNetworks))].map((name) => [name, { driver: 'overlay' }]));
}

/**
 * The app secrets (top-level `secrets:`): each one exists already (`secret set` made it), and its
 * newest version's name comes from SWARM_WIZ_SECRET_<NAME> at deploy time (see `required` for its message).
 */
function appSecrets(config: Config): Record<string, unknown> {
  return Object.fromEntries(declaredSecrets(config).map((name) => [name, { external: true, name: required(secretVariable(name), 'the newest version of this secret') }]));
}

function secretsAndConfigs(config: Config): Record<string, unknown> {
  const app = appSecrets(config);
  if (config.certificates.delivery !== 'secrets') return Object.keys(app).length > 0 ? { secrets: app } : {};
  const secrets = Object.fromEntries(
    config.sites.flatMap((site, index) => {
      const certsVersion = required(certsVersionVariable(index), `a version of the certificate files of site ${index + 1}`);
      const keys = proxySecretKeys(site.domain);
      const files = certificateFiles(site.domain);
      return [
        [keys.chain, { name: `${secretNamePrefix(config, site.domain, 'crt')}_${certsVersion}`, file: `./${files.chain}` }],
        [keys.key, { name: `${secretNamePrefix(config, site.domain, 'key')}_${certsVersion}`, file: `./${files.key}` }],
      ];
    }),
  );
  return {
    configs: {
      nginx_conf: {
        name: `${nginxConfigNamePrefix(config)}_${required(DEPLOY_ENV.configVersion, 'a version of proxy/nginx.conf')}`,
        file: './proxy/nginx.conf',
      },
    },
    secrets: { ...secrets, ...app },
  };
}

/**
 * The stack file. It needs no RenderContext: every runtime fact comes in through interpolation at deploy
 * time. `held`: services with volumes deployed at 0 replicas (their droplet was replaced; see src/plan/data-holds.ts).
 */
export function renderCompose(config: Config, options: { held?: readonly string[] } = {}): string {
  const held = new Set(options.held);
  const document = {
    version: '3.8',
    services: Object.fromEntries([['proxy', proxyService(config)], ...config.sites.flatMap((site) => siteServices(site, held))]),
    networks: networks(config),
    ...appVolumes(config),
    ...secretsAndConfigs(config),
  };
  const header = [
    `# Generated by swarm-wiz for project ${config.project} (topology ${config.topology}, certificates via ${config.certificates.delivery}).`,
    '# Deploy with support/deploy_stack.sh on a manager: it sets the ${SWARM_WIZ_*} values below and runs',
    `#   docker stack deploy --with-registry-auth --prune -c docker-compose.yml ${config.project}`,
    '# Public services share the edge network with the proxy; private services join only their site\'s internal network',
    '# and publish nothing; only the proxy publishes 80/443.',
    '',
  ].join('\n');
  return header + YAML.stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
