/**
 * The stack step's spec (src/app/stack-spec.ts) for each delivery: the values docker-compose.yml
 * interpolates, the files beside it, the proxy image, and what stops it — with a target whose manager
 * answers only `docker secret ls`.
 */
import { describe, expect, it } from 'vitest';
import { certsVersionVariable, DEPLOY_ENV, sha256Hex } from '../../recipes/names.js';
import { stackSpec, type StackSources } from '../../src/app/stack-spec.js';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import type { ProxyFile } from '../../src/run/deploy-context.js';
import { StepFailed } from '../../src/run/failure.js';
import type { Target } from '../../src/targets/target.js';

const config = (certificates: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}): Config =>
  parseConfig({ ...SEED_EXAMPLE, ...overrides, certificates: { ...SEED_EXAMPLE.certificates, ...certificates } });

/** One manager whose `docker secret ls` lists `secretLs`; any other command is a test failure. */
function target(secretLs = ''): Target {
  return {
    kind: 'local',
    nodes: () => [{ name: 'm', role: 'manager', publicIp: '203.0.113.2' }],
    shell: () => ({
      run: async (command) => {
        if (command.argv.slice(0, 3).join(' ') !== 'docker secret ls') throw new Error(`unexpected ${command.argv.join(' ')}`);
        return { exitCode: 0, stdout: secretLs, stderr: '' };
      },
      probe: async (command) => {
        throw new Error(`unexpected ${command.argv.join(' ')}`);
      },
    }),
    close: async () => undefined,
  };
}

const folder = new Map<string, ProxyFile>([
  ['nginx.conf', { content: 'events {}', mode: 0o644 }],
  ['certs/a.com/fullchain.pem', { content: 'CHAIN', mode: 0o644 }],
  ['certs/a.com/privkey.pem', { content: 'KEY', mode: 0o600 }],
]);

function sources(c: Config, overrides: Partial<StackSources> = {}): StackSources {
  return {
    config: c,
    target: target(),
    compose: 'services: {}\n',
    projectDir: '/srv/swarm-wiz/demo',
    proxyDir: '/srv/swarm-wiz/demo/proxy',
    proxyFiles: async () => folder,
    supportAddress: async () => '10.110.0.9',
    ...overrides,
  };
}

describe('stackSpec', () => {
  it('delivery: files — the proxy folder, then the support address; nothing beside the compose file; the hash covers compose and values', async () => {
    const spec = await stackSpec(sources(config({ challenge: 'http-01', delivery: 'files' })));
    expect(Object.entries(spec.env)).toEqual([[DEPLOY_ENV.proxyDir, '/srv/swarm-wiz/demo/proxy'], [DEPLOY_ENV.supportIp, '10.110.0.9']]);
    expect(spec.files.size).toBe(0);
    expect(spec.build).toBeUndefined();
    expect(spec.hash).toBe(sha256Hex(JSON.stringify({ compose: 'services: {}\n', env: spec.env })));
  });

  it('delivery: secrets — nginx.conf and the certificates beside the compose file, their content versions in the values', async () => {
    const c = config({ delivery: 'secrets' });
    const spec = await stackSpec(sources(c));
    expect([...spec.files.keys()]).toEqual(['proxy/nginx.conf', 'proxy/certs/a.com/fullchain.pem', 'proxy/certs/a.com/privkey.pem']);
    expect(spec.env[DEPLOY_ENV.configVersion]).toBe(sha256Hex('events {}').slice(0, 12));
    const first = c.sites.findIndex((site) => site.domain === 'a.com');
    expect(spec.env[certsVersionVariable(first)]).toBe(sha256Hex('CHAINKEY').slice(0, 12));
  });

  it('delivery: image — a Dockerfile too, the image tagged by content, pushed with the login kept in the project folder', async () => {
    const c = config({ delivery: 'image' }, { registry: 'registry.example.com/me' });
    const spec = await stackSpec(sources(c, { registryLogin: { host: 'registry.example.com', username: 'u', password: 'p' } }));
    expect(spec.files.has('proxy/Dockerfile')).toBe(true);
    const tag = spec.env[DEPLOY_ENV.proxyTag]!;
    expect(spec.build).toMatchObject({ tag: `registry.example.com/me/demo-proxy:${tag}`, push: { login: { host: 'registry.example.com', username: 'u', password: 'p' }, dockerConfig: '/srv/swarm-wiz/demo/.docker' } });
    expect(spec.env.DOCKER_CONFIG).toBe('/srv/swarm-wiz/demo/.docker');
    const local = await stackSpec(sources(c, { buildsWithoutPush: true }));
    expect(local.build).toEqual({ tag: `registry.example.com/me/demo-proxy:${tag}` });
    expect(local.env.DOCKER_CONFIG).toBeUndefined();
  });

  it('http-01 without a known support address fails the stack step and says to run apply again', async () => {
    const error = await stackSpec(sources(config({ challenge: 'http-01' }), { supportAddress: async () => undefined })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StepFailed);
    expect(error).toMatchObject({ stepId: 'stack:demo', reason: { message: 'the support server address is not known' } });
  });
});
