import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderProjectFiles } from '../../recipes/index.js';
import { renderCompose } from '../../recipes/compose.js';
import { DELIVERIES, parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { secretNamePrefix } from '../../recipes/names.js';
import { requireDockerStackConfig, runArgv } from '../peers/tools.js';
import { certificatePathsInText, fileOf, RENDERINGS, seedConfig, writeProject } from './fixtures.js';


/** What deploy_stack.sh would export (a 12-hex version like sha256 gives). */
const DEPLOY_ENV = {
  SWARM_WIZ_SUPPORT_IP: '10.110.0.5',
  SWARM_WIZ_CONFIG_VERSION: '0123456789ab',
  SWARM_WIZ_CERTS_VERSION_1: 'ba9876543210',
  SWARM_WIZ_CERTS_VERSION_2: 'cb9876543210',
  SWARM_WIZ_CERTS_VERSION_3: 'dc9876543210',
  SWARM_WIZ_PROXY_TAG: '20261127213000',
};

type Compose = {
  services: Record<string, Record<string, unknown> & { deploy: Record<string, unknown>; networks?: unknown; ports?: unknown[] }>;
  networks: Record<string, unknown>;
  secrets?: Record<string, { name: string; file: string }>;
  configs?: Record<string, { name: string; file: string }>;
};

async function stackConfig(dir: string, env: Record<string, string>): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runArgv('docker', ['stack', 'config', '-c', join(dir, 'docker-compose.yml')], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
  });
  return { ok: code === 0, stdout, stderr };
}

const parsed = (config: Config): Compose => YAML.parse(renderCompose(config)) as Compose;
const networkNames = (networks: unknown): string[] => (Array.isArray(networks) ? (networks as string[]) : Object.keys(networks as object));
const SWARM_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/;
const interpolate = (text: string): string => text.replace(/\$\{(\w+):\?[^}]*\}/g, (_m, name: string) => DEPLOY_ENV[name as keyof typeof DEPLOY_ENV] ?? '');

describe('docker stack config accepts every rendering', () => {
  const dirs: string[] = [];
  beforeAll(() => requireDockerStackConfig());
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it.each(RENDERINGS)('$name', async ({ topology, delivery }) => {
    const dir = writeProject(renderProjectFiles(seedConfig(topology, delivery)));
    dirs.push(dir);
    const result = await stackConfig(dir, DEPLOY_ENV);
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
    const final = YAML.parse(result.stdout) as Compose;
    expect(final.services.proxy?.extra_hosts).toEqual(['swarm-wiz-support:10.110.0.5']);
    if (delivery === 'secrets') {
      expect(final.configs?.nginx_conf?.name).toBe('demo_nginx_conf_0123456789ab');
      expect(final.secrets?.['a.com.key']?.name).toBe('demo_a.com_key_ba9876543210');
    } else if (delivery === 'files') {
      // Without SWARM_WIZ_PROXY_DIR the folder is the droplets' default; nginx reads its config from it.
      expect(final.services.proxy?.image).toBe('nginx:1.28-alpine');
      expect(final.services.proxy?.volumes).toEqual([{ type: 'bind', source: '/srv/swarm-wiz/demo/proxy', target: '/etc/nginx/swarm-wiz', read_only: true }]);
      expect(final.services.proxy?.command).toEqual(['nginx', '-c', '/etc/nginx/swarm-wiz/nginx.conf', '-g', 'daemon off;']);
      expect(final.secrets).toBeUndefined();
      expect(final.configs).toBeUndefined();
    } else {
      expect(final.services.proxy?.image).toBe('registry.digitalocean.com/me/demo-proxy:20261127213000');
    }
  });

  it('refuses to deploy without the deploy-time values, naming the variable', async () => {
    const dir = writeProject(renderProjectFiles(seedConfig('manager', 'secrets')));
    dirs.push(dir);
    const { SWARM_WIZ_SUPPORT_IP: _omit, ...rest } = DEPLOY_ENV;
    const result = await stackConfig(dir, rest);
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('SWARM_WIZ_SUPPORT_IP');
  });

  it('a long domain, a wildcard (dns-01) and punycode still give valid Swarm names', async () => {
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.example`;
    const config = seedConfig('manager', 'secrets', {
      certificates: { ...SEED_EXAMPLE.certificates, challenge: 'dns-01' },
      sites: [
        { ...SEED_EXAMPLE.sites[0]!, domain: long },
        { ...SEED_EXAMPLE.sites[1]!, domain: '*.b.com' },
        { ...SEED_EXAMPLE.sites[2]!, domain: 'bücher.example' },
      ],
    });
    const compose = renderCompose(config);
    for (const secret of Object.values(parsed(config).secrets ?? {})) {
      const name = interpolate(secret.name);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(SWARM_NAME);
    }
    const dir = writeProject([{ path: 'docker-compose.yml', content: compose, mode: 0o644, description: '' }]);
    dirs.push(dir);
    const result = await stackConfig(dir, DEPLOY_ENV);
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
  });
});

/** A value for each variable deploy_stack.sh exports, by what the variable holds (an unknown one fails the test). */
function deployValue(name: string): string {
  if (name === 'SWARM_WIZ_SUPPORT_IP') return '10.110.0.5';
  if (name === 'SWARM_WIZ_PROXY_TAG') return '20261127213000';
  if (name === 'SWARM_WIZ_PROXY_DIR') return '/srv/swarm-wiz/demo/proxy';
  if (/^SWARM_WIZ_(CONFIG_VERSION|CERTS_VERSION_\d+)$/.test(name)) return createHash('sha256').update(name).digest('hex').slice(0, 12);
  if (name.startsWith('SWARM_WIZ_SECRET_')) return `demo_${name.slice('SWARM_WIZ_SECRET_'.length).toLowerCase()}_v1`;
  throw new Error(`deploy_stack.sh exports ${name}, which this test has no value for`);
}

/** Every variable deploy_stack.sh exports, read from the script itself, each with a value like the one it computes. */
function deployStackVariables(script: string): Record<string, string> {
  const names = [...script.matchAll(/^export ((?:SWARM_WIZ_\w+ ?)+)$/gm)].flatMap((match) => match[1]!.trim().split(' '));
  expect(names.length).toBeGreaterThan(0);
  return Object.fromEntries(names.map((name) => [name, deployValue(name)]));
}

describe('docker stack config resolves only valid Swarm names, for hyphenated and punycode domains', () => {
  const dirs: string[] = [];
  beforeAll(() => requireDockerStackConfig());
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const domains = ['my-shop.com', 'xn--bcher-kva.example', 'bär-haus.example'];

  it.each(DELIVERIES)('delivery: %s', async (delivery) => {
    const config = seedConfig('manager', delivery, {
      sites: SEED_EXAMPLE.sites.map((site, i) => ({ ...site, domain: domains[i]!, service: { ...site.service, secrets: ['db-password'] } })),
    });
    const files = renderProjectFiles(config);
    const dir = writeProject(files);
    dirs.push(dir);
    const env = deployStackVariables(fileOf(files, 'support/deploy_stack.sh'));
    const result = await stackConfig(dir, env);
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
    const final = YAML.parse(result.stdout) as Compose;
    const names = [
      ...Object.keys(final.services).map((service) => `${config.project}_${service}`),
      ...Object.keys(final.networks).map((network) => `${config.project}_${network}`),
      ...Object.values(final.secrets ?? {}).map((secret) => secret.name),
      ...Object.values(final.configs ?? {}).map((entry) => entry.name),
    ];
    for (const name of names) {
      expect(name, name).toMatch(SWARM_NAME);
      expect(name.length, name).toBeLessThanOrEqual(64);
    }
    // Each versioned name ends in exactly the version deploy_stack.sh computed; no text of a message leaks in.
    if (delivery === 'secrets') {
      config.sites.forEach((site, i) => {
        for (const kind of ['crt', 'key'] as const) {
          expect(names).toContain(`${secretNamePrefix(config, site.domain, kind)}_${env[`SWARM_WIZ_CERTS_VERSION_${i + 1}`]}`);
        }
      });
      expect(names).toContain(`demo_nginx_conf_${env.SWARM_WIZ_CONFIG_VERSION}`);
    }
    expect(names).toContain('demo_db_password_v1');
  });
});

describe('compose properties', () => {
  it('places the proxy per topology', () => {
    const deployOf = (topology: Config['topology']) => parsed(seedConfig(topology, 'secrets')).services.proxy!.deploy;
    expect(deployOf('manager')).toMatchObject({ mode: 'replicated', replicas: 1, placement: { constraints: ['node.role == manager'] } });
    expect(deployOf('dedicated')).toMatchObject({
      mode: 'replicated',
      replicas: 1,
      placement: { constraints: ['node.role == worker', 'node.labels.swarm-wiz.proxy == true'] },
    });
    expect(deployOf('per-domain')).toMatchObject({
      mode: 'replicated',
      replicas: 3,
      placement: { constraints: ['node.role == worker', 'node.labels.swarm-wiz.proxy == true'], max_replicas_per_node: 1 },
    });
    const global = deployOf('global-lb');
    expect(global).toMatchObject({ mode: 'global', placement: { constraints: ['node.role == worker'] } });
    expect(global.replicas).toBeUndefined();
  });

  it.each(RENDERINGS)('$name: only the proxy publishes, in host mode; one edge network for public services, per-site networks isolate private services', ({ topology, delivery }) => {
    const compose = parsed(seedConfig(topology, delivery));
    expect(compose.services.proxy!.ports).toEqual([
      { target: 80, published: 80, protocol: 'tcp', mode: 'host' },
      { target: 443, published: 443, protocol: 'tcp', mode: 'host' },
    ]);
    expect(networkNames(compose.services.proxy!.networks)).toEqual(['edge']);
    for (const letter of ['a', 'b', 'c']) {
      const site = compose.services[`service-${letter}`]!;
      expect(site.ports).toBeUndefined();
      expect(networkNames(site.networks)).toEqual(['edge', `service-${letter}-internal`]);
      for (const privateName of [`${letter}1`, `${letter}2`]) {
        const svc = compose.services[privateName]!;
        expect(svc.ports).toBeUndefined();
        expect(networkNames(svc.networks)).toEqual([`service-${letter}-internal`]);
      }
    }
    // a1 shares no network with the proxy or with another site's service.
    const reachableFromA1 = new Set(networkNames(compose.services.a1!.networks));
    for (const [name, svc] of Object.entries(compose.services)) {
      const shares = networkNames(svc.networks).some((network) => reachableFromA1.has(network));
      expect(shares, `${name} shares a network with a1`).toBe(['service-a', 'a1', 'a2'].includes(name));
    }
    for (const network of Object.values(compose.networks)) expect(network).toEqual({ driver: 'overlay' });
  });

  it('uses dnsrr everywhere; the proxy updates stop-first (host ports), everything else start-first', () => {
    const compose = parsed(seedConfig('global-lb', 'secrets'));
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.deploy.endpoint_mode, name).toBe('dnsrr');
      const order = (svc.deploy.update_config as { order: string }).order;
      expect(order, name).toBe(name === 'proxy' ? 'stop-first' : 'start-first');
    }
    expect(compose.services.proxy!.healthcheck).toMatchObject({ test: ['CMD-SHELL', expect.stringContaining('http://127.0.0.1/healthz')] });
  });

  it('secrets delivery: nginx.conf as a versioned config, certificates as versioned secrets at the paths nginx.conf reads', () => {
    const config = seedConfig('manager', 'secrets');
    const files = renderProjectFiles(config);
    const compose = YAML.parse(fileOf(files, 'docker-compose.yml')) as Compose;
    const proxy = compose.services.proxy!;
    expect(proxy.image).toBe('nginx:1.28-alpine');
    expect(proxy.configs).toEqual([{ source: 'nginx_conf', target: '/etc/nginx/nginx.conf' }]);
    expect(compose.configs?.nginx_conf?.file).toBe('./proxy/nginx.conf');
    expect(compose.configs?.nginx_conf?.name).toMatch(/^demo_nginx_conf_\$\{SWARM_WIZ_CONFIG_VERSION:\?/);
    const mounted = (proxy.secrets as { source: string; target: string }[]).map((secret) => `/run/secrets/${secret.target}`);
    const read = certificatePathsInText(fileOf(files, 'proxy/nginx.conf')).flatMap(({ chain, key }) => [chain, key]);
    expect(mounted.sort()).toEqual(read.sort());
    for (const secret of Object.values(compose.secrets ?? {})) {
      expect(secret.name).toMatch(/\$\{SWARM_WIZ_CERTS_VERSION_[1-3]:\?/);
      expect(secret.file).toMatch(/^\.\/proxy\/certs\/[a-c]\.com\/(fullchain|privkey)\.pem$/);
    }
  });

  it('image delivery: the pushed proxy image, no secrets or configs; the Dockerfile copies to the paths nginx.conf reads', () => {
    const files = renderProjectFiles(seedConfig('dedicated', 'image'));
    const compose = YAML.parse(fileOf(files, 'docker-compose.yml')) as Compose;
    expect(compose.services.proxy!.image).toMatch(/^registry\.digitalocean\.com\/me\/demo-proxy:\$\{SWARM_WIZ_PROXY_TAG:\?/);
    expect(compose.secrets).toBeUndefined();
    expect(compose.configs).toBeUndefined();
    const dockerfile = fileOf(files, 'proxy/Dockerfile');
    expect(dockerfile).toMatch(/^FROM nginx:1\.28-alpine$/m);
    expect(dockerfile).toContain('COPY nginx.conf /etc/nginx/nginx.conf');
    const copied = [...dockerfile.matchAll(/^COPY certs\/\S+ (\S+)$/gm)].map((match) => match[1]);
    const read = certificatePathsInText(fileOf(files, 'proxy/nginx.conf')).flatMap(({ chain, key }) => [chain, key]);
    expect(copied.sort()).toEqual(read.sort());
    expect(files.map((file) => file.path)).toContain('support/build_proxy.sh');
  });

  it('dns-01 needs no support server in the proxy', () => {
    const compose = parsed(seedConfig('manager', 'secrets', { certificates: { ...SEED_EXAMPLE.certificates, challenge: 'dns-01' } }));
    expect(compose.services.proxy!.extra_hosts).toBeUndefined();
  });

  it('a site without private services gets no internal network', () => {
    const compose = parsed(seedConfig('manager', 'secrets', { sites: [{ ...SEED_EXAMPLE.sites[0]!, private: [] }] }));
    expect(Object.keys(compose.networks)).toEqual(['edge']);
    expect(networkNames(compose.services['service-a']!.networks)).toEqual(['edge']);
  });
});

describe('adding a site', () => {
  const grow = (config: Config): Config =>
    parseConfig({ ...config, workers: config.workers + 1, sites: [...config.sites, { domain: 'd.example.com', aliases: [], service: { name: 'service-d', image: 'nginx:1', port: 80 }, private: [] }] });

  it.each(RENDERINGS.filter((r) => r.delivery === 'files'))('$name: changes nothing in the proxy service but per-domain\'s replica count (Swarm keeps the running proxy tasks)', ({ topology, delivery }) => {
    const before = parsed(seedConfig(topology, delivery)).services.proxy!;
    const after = parsed(grow(seedConfig(topology, delivery))).services.proxy!;
    if (topology === 'per-domain') {
      expect((after.deploy as { replicas: number }).replicas).toBe((before.deploy as { replicas: number }).replicas + 1);
      expect({ ...after, deploy: { ...(after.deploy as object), replicas: 0 } }).toEqual({ ...before, deploy: { ...(before.deploy as object), replicas: 0 } });
    } else expect(after).toEqual(before);
  });
});
