import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderProjectFiles, type GeneratedFile } from '../../recipes/index.js';
import { certificateFiles } from '../../recipes/names.js';
import { registryOf } from '../../recipes/registry-login.js';
import type { Config } from '../../src/config/index.js';
import { requireDockerStackConfig, requireShellcheck, runArgv } from '../peers/tools.js';
import { fileOf, RENDERINGS, seedConfig, writeProject } from './fixtures.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const REGISTRIES = ['registry.digitalocean.com/me', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team', 'ghcr.io/me', 'localhost:5000/x'];

describe('shellcheck finds nothing in any generated script', () => {
  beforeAll(() => requireShellcheck());
  const cases = [
    ...RENDERINGS.map(({ topology, delivery, name }) => ({ name, config: seedConfig(topology, delivery), context: {} })),
    ...REGISTRIES.map((registry) => ({ name: `image via ${registry}, IPs known`, config: seedConfig('manager', 'image', { registry }), context: { supportPrivateIp: '10.110.0.3', managerPrivateIp: '10.110.0.2' } })),
  ];
  it.each(cases)('$name', async ({ config, context }) => {
    const scripts = renderProjectFiles(config, context).filter((file) => file.path.endsWith('.sh'));
    expect(scripts.length).toBe(config.certificates.delivery === 'image' ? 2 : 1);
    const dir = writeProject(scripts);
    dirs.push(dir);
    for (const script of scripts) {
      expect(script.content, script.path).toMatch(/^#!\/bin\/sh\n/);
      expect(script.content).toContain('\nset -eu\n');
      expect(script.mode).toBe(0o755);
      const result = await runArgv('shellcheck', ['--severity=style', join(dir, script.path)]);
      expect(result.stdout).toBe('');
      expect(result.code).toBe(0);
    }
  });
});

describe('registry detection', () => {
  it('tells DOCR, ECR and other registries apart', () => {
    expect(registryOf('registry.digitalocean.com/me')).toEqual({ kind: 'docr', host: 'registry.digitalocean.com' });
    expect(registryOf('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team')).toEqual({
      kind: 'ecr',
      host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
    });
    expect(registryOf('ghcr.io/me')).toEqual({ kind: 'generic', host: 'ghcr.io' });
    expect(registryOf('me/proxy')).toEqual({ kind: 'generic', host: 'docker.io' });
  });
});

/** A PATH whose docker/ssh/aws record what they were asked; `docker stack deploy` runs the real `docker stack config`. */
function fakeTools(): { bin: string; record: string } {
  const root = join(writeProject([]), 'fake');
  dirs.push(dirname(root));
  const bin = join(root, 'bin');
  const record = join(root, 'record');
  mkdirSync(bin, { recursive: true });
  mkdirSync(record);
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\nset -eu\nprintf '%s\\n' "${name} $*" >> "${record}/calls"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool(
    'docker',
    [
      'case "$1" in',
      `  login) cat > "${record}/login-stdin" ;;`,
      `  stack) env | grep '^SWARM_WIZ_' | sort > "${record}/deploy-env"; /usr/local/bin/docker stack config -c docker-compose.yml > "${record}/stack-config.yml" ;;`,
      'esac',
    ].join('\n'),
  );
  tool('ssh', '');
  tool('aws', 'printf %s ecr-password-from-aws');
  return { bin, record };
}

const runScript = (projectDir: string, script: string, bin: string, env: Record<string, string> = {}) =>
  runArgv('sh', [join(projectDir, script)], { cwd: '/', env: { PATH: `${bin}:/usr/bin:/bin`, HOME: '/root', ...env } });

function projectWithCertificates(config: Config, files: GeneratedFile[]): string {
  const dir = writeProject(files);
  dirs.push(dir);
  for (const site of config.sites) {
    const paths = certificateFiles(site.domain);
    mkdirSync(dirname(join(dir, paths.chain)), { recursive: true });
    writeFileSync(join(dir, paths.chain), `chain of ${site.domain}\n`);
    writeFileSync(join(dir, paths.key), `key of ${site.domain}\n`, { mode: 0o600 });
  }
  return dir;
}

const sha12 = (...parts: string[]) => createHash('sha256').update(parts.join('')).digest('hex').slice(0, 12);
const envFile = (record: string) => Object.fromEntries(readFileSync(join(record, 'deploy-env'), 'utf8').trim().split('\n').map((line) => line.split('=')));

describe('deploy_stack.sh, run with a recording docker', () => {
  beforeAll(() => requireDockerStackConfig());

  it('secrets: versions come from the content, and the real `docker stack config` accepts what it sets', async () => {
    const config = seedConfig('manager', 'secrets');
    const dir = projectWithCertificates(config, renderProjectFiles(config, { supportPrivateIp: '10.110.0.9' }));
    const { bin, record } = fakeTools();
    const first = await runScript(dir, 'support/deploy_stack.sh', bin);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(readFileSync(join(record, 'calls'), 'utf8')).toBe('docker stack deploy --with-registry-auth --prune --resolve-image always -c docker-compose.yml demo\n');
    const certsOf = (domain: string) => {
      const paths = certificateFiles(domain);
      return [readFileSync(join(dir, paths.chain), 'utf8'), readFileSync(join(dir, paths.key), 'utf8')];
    };
    const env = envFile(record);
    expect(env).toEqual({
      SWARM_WIZ_CERTS_VERSION_1: sha12(...certsOf('a.com')),
      SWARM_WIZ_CERTS_VERSION_2: sha12(...certsOf('b.com')),
      SWARM_WIZ_CERTS_VERSION_3: sha12(...certsOf('c.com')),
      SWARM_WIZ_CONFIG_VERSION: sha12(readFileSync(join(dir, 'proxy/nginx.conf'), 'utf8')),
      SWARM_WIZ_SUPPORT_IP: '10.110.0.9',
    });
    expect(readFileSync(join(record, 'stack-config.yml'), 'utf8')).toContain(`name: demo_a.com_crt_${env.SWARM_WIZ_CERTS_VERSION_1}`);

    // A renewed certificate is a new secret name for that site only (the proxy rolls); nginx.conf and
    // the other sites keep their names.
    writeFileSync(join(dir, certificateFiles('b.com').chain), 'renewed chain of b.com\n');
    expect((await runScript(dir, 'support/deploy_stack.sh', bin)).code).toBe(0);
    const renewed = envFile(record);
    expect(renewed.SWARM_WIZ_CERTS_VERSION_2).not.toBe(env.SWARM_WIZ_CERTS_VERSION_2);
    expect(renewed.SWARM_WIZ_CERTS_VERSION_1).toBe(env.SWARM_WIZ_CERTS_VERSION_1);
    expect(renewed.SWARM_WIZ_CERTS_VERSION_3).toBe(env.SWARM_WIZ_CERTS_VERSION_3);
    expect(renewed.SWARM_WIZ_CONFIG_VERSION).toBe(env.SWARM_WIZ_CONFIG_VERSION);
  });

  it('stops before deploying when the support IP is unknown and not given', async () => {
    const config = seedConfig('manager', 'secrets');
    const dir = projectWithCertificates(config, renderProjectFiles(config));
    const { bin, record } = fakeTools();
    const result = await runScript(dir, 'support/deploy_stack.sh', bin);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('SWARM_WIZ_SUPPORT_IP');
    expect(existsSync(join(record, 'calls'))).toBe(false);
    expect((await runScript(dir, 'support/deploy_stack.sh', bin, { SWARM_WIZ_SUPPORT_IP: '10.1.2.3' })).code).toBe(0);
  });

  it('image via DOCR: needs the token from the environment and passes it on stdin', async () => {
    const config = seedConfig('per-domain', 'image');
    const dir = projectWithCertificates(config, renderProjectFiles(config, { supportPrivateIp: '10.110.0.9' }));
    const { bin, record } = fakeTools();
    const noToken = await runScript(dir, 'support/deploy_stack.sh', bin, { SWARM_WIZ_PROXY_TAG: 't1' });
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toContain('DIGITALOCEAN_ACCESS_TOKEN');
    const ok = await runScript(dir, 'support/deploy_stack.sh', bin, { SWARM_WIZ_PROXY_TAG: 't1', DIGITALOCEAN_ACCESS_TOKEN: 'dop_v1_secret' });
    expect(ok.stderr).toBe('');
    expect(readFileSync(join(record, 'login-stdin'), 'utf8')).toBe('dop_v1_secret');
    const calls = readFileSync(join(record, 'calls'), 'utf8').split('\n');
    expect(calls[0]).toMatch(/^docker login registry\.digitalocean\.com --username \S+ --password-stdin$/);
    expect(calls[1]).toBe('docker stack deploy --with-registry-auth --prune --resolve-image always -c docker-compose.yml demo');
    expect(readFileSync(join(record, 'stack-config.yml'), 'utf8')).toContain('image: registry.digitalocean.com/me/demo-proxy:t1');
  });
});

describe('build_proxy.sh, run with recording docker, ssh and aws', () => {
  it('ECR: logs in with get-login-password, builds, pushes, deploys on the manager with the new tag', async () => {
    const config = seedConfig('global-lb', 'image', { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team' });
    const dir = projectWithCertificates(config, renderProjectFiles(config, { managerPrivateIp: '10.110.0.2', supportPrivateIp: '10.110.0.3' }));
    const { bin, record } = fakeTools();
    const result = await runScript(dir, 'support/build_proxy.sh', bin, { SWARM_WIZ_PROXY_TAG: '20261127' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/demo-proxy:20261127';
    const calls = readFileSync(join(record, 'calls'), 'utf8').trim().split('\n');
    // aws and docker login run as one pipeline, so either may record first.
    expect(calls.slice(0, 2).sort()).toEqual([
      'aws ecr get-login-password --region eu-west-1',
      'docker login 123456789012.dkr.ecr.eu-west-1.amazonaws.com --username AWS --password-stdin',
    ]);
    expect(calls.slice(2)).toEqual([
      `docker build --pull --tag ${image} proxy`,
      `docker push ${image}`,
      'ssh -i /root/.ssh/swarm_manager -o BatchMode=yes root@10.110.0.2 SWARM_WIZ_PROXY_TAG=20261127 sh /srv/swarm-wiz/demo/support/deploy_stack.sh',
      'ssh -i /root/.ssh/swarm_manager -o BatchMode=yes root@10.110.0.2 docker image prune -f',
      'docker image prune -f',
    ]);
    expect(readFileSync(join(record, 'login-stdin'), 'utf8')).toBe('ecr-password-from-aws');
  });

  it('refuses a tag that would smuggle shell syntax into the remote command', async () => {
    const config = seedConfig('global-lb', 'image', { registry: 'ghcr.io/me' });
    const dir = projectWithCertificates(config, renderProjectFiles(config, { managerPrivateIp: '10.110.0.2' }));
    const { bin, record } = fakeTools();
    const result = await runScript(dir, 'support/build_proxy.sh', bin, {
      SWARM_WIZ_PROXY_TAG: 'x;reboot',
      SWARM_WIZ_REGISTRY_USER: 'me',
      SWARM_WIZ_REGISTRY_PASSWORD: 'pw',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SWARM_WIZ_PROXY_TAG');
    expect(existsSync(join(record, 'calls'))).toBe(false);
  });
});

/** One crontab field: `*`, numbers, ranges, lists and steps within [min, max]. */
function fieldInRange(field: string, min: number, max: number): boolean {
  return field.split(',').every((part) => {
    const [range, step] = part.split('/');
    if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) return false;
    if (range === '*') return true;
    const bounds = (range ?? '').split('-');
    if (bounds.length > 2 || !bounds.every((bound) => /^[0-9]+$/.test(bound))) return false;
    const numbers = bounds.map(Number);
    return numbers.every((n) => n >= min && n <= max) && (numbers.length === 1 || numbers[0]! <= numbers[1]!);
  });
}

describe('support/crontab', () => {
  const LIMITS: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

  it.each(RENDERINGS)('$name: every line is a comment, an assignment or a job with 5 valid time fields', ({ topology, delivery }) => {
    const config = seedConfig(topology, delivery);
    const crontab = fileOf(renderProjectFiles(config), 'support/crontab');
    expect(crontab).toMatch(/\n$/);
    const jobs = crontab.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#') && !/^[A-Z_]+=/.test(line));
    expect(jobs).toHaveLength(1);
    for (const job of jobs) {
      const fields = job.split(/\s+/);
      LIMITS.forEach(([min, max], i) => expect(fieldInRange(fields[i]!, min, max), `field ${i + 1} of ${job}`).toBe(true));
      expect(fields.slice(5).join(' ')).toBe('swarm-wiz renew --config /srv/swarm-wiz/demo/swarm-wiz.yaml --dir /srv/swarm-wiz/demo; swarm-wiz status --check --alert --config /srv/swarm-wiz/demo/swarm-wiz.yaml --dir /srv/swarm-wiz/demo');
    }
    expect(crontab).toContain('MAILTO=ops@a.com\n');
  });

  it('the field checker rejects what cron would reject', () => {
    expect(fieldInRange('60', 0, 59)).toBe(false);
    expect(fieldInRange('5-3', 0, 59)).toBe(false);
    expect(fieldInRange('*/0', 0, 59)).toBe(false);
    expect(fieldInRange('3,15', 0, 23)).toBe(true);
  });

  it('spreads projects over the hour', () => {
    const minutes = new Set(['demo', 'shop', 'blog', 'api', 'wiki'].map((project) => fileOf(renderProjectFiles(seedConfig('manager', 'secrets', { project })), 'support/crontab').split('\n').find((line) => /^\d/.test(line))!.split(' ')[0]));
    expect(minutes.size).toBeGreaterThan(1);
  });
});
