import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadState } from '../../src/state/index.js';
import { docker, eventually, httpsGet, proxyContainerId, SITES, startLocalHarness, type LocalHarness } from './local-harness.js';

/**
 * The whole flow on this machine: `swarm-wiz apply --target local --yes` initialises the engine as a
 * one-node swarm, syncs the proxy folder, deploys the stack, orders the certificates from Pebble through
 * the deployed proxy (Pebble → 127.0.0.1:80 → the proxy container → swarm-wiz's own webroot server)
 * and reloads nginx in place. Then what a user does on day two, against the same running stack.
 */
let h: LocalHarness;
let root: string;

beforeAll(async () => {
  h = await startLocalHarness();
  root = await readFile(h.rootFile, 'utf8');
}, 600_000);

afterAll(async () => {
  await h?.stop();
}, 300_000);

const hosts = SITES.flatMap((site) => [site.domain, ...site.aliases].map((host) => ({ host, answer: site.answer })));

describe('apply --target local, end to end', () => {
  it('deploys the stack and serves every domain over HTTPS with a certificate from the CA', async () => {
    const run = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const { host, answer } of hosts) {
      const reply = await httpsGet(host, root);
      expect(reply.status, host).toBe(200);
      expect(reply.body).toBe(answer);
      expect(reply.cert).toContain(`DNS:${host}`);
    }
    const state = await loadState(h.dir, 'demo');
    expect(state.target).toBe('local');
    expect(state.swarm?.clusterId).toBeTruthy();
    expect(state.stack?.hash).toMatch(/^[0-9a-f]{64}$/);
  }, 600_000);

  it('a private service is reachable only from its own site', async () => {
    expect(JSON.parse(await docker(['service', 'inspect', 'demo_a1', '--format', '{{json .Endpoint.Ports}}']))).toBeNull();
    const inService = async (service: string, url: string) => {
      const id = (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=demo_${service}`])).trim().split('\n')[0]!;
      return (await import('../peers/tools.js')).runArgv('docker', ['exec', id, 'wget', '-q', '-O', '-', url]);
    };
    const fromOwnSite = await inService('service-a', 'http://a1:5001/');
    expect(fromOwnSite.stdout.trim()).toBe('private A1');
    const fromOtherSite = await inService('service-b', 'http://a1:5001/');
    expect(fromOtherSite.code).not.toBe(0);
    expect(fromOtherSite.stdout).not.toContain('private A1');
  }, 120_000);

  it('a service scaled to 0 answers 503 while the others keep serving, with the same proxy container', async () => {
    const before = await proxyContainerId();
    await docker(['service', 'scale', '--detach', 'demo_service-b=0']);
    const down = await eventually('b.test answers 503', () => httpsGet('b.test', root), (r) => r.status === 503, 60);
    expect(down.body).toContain('temporarily unavailable');
    expect((await httpsGet('a.test', root)).body).toBe('site A');
    expect((await httpsGet('c.test', root)).body).toBe('site C');
    await docker(['service', 'scale', '--detach', 'demo_service-b=1']);
    await eventually('b.test is back', () => httpsGet('b.test', root), (r) => r.status === 200, 120);
    expect(await proxyContainerId()).toBe(before);
  }, 300_000);

  it('renew --force while HTTPS requests run against every domain: zero failed requests, new serials, the same proxy', async () => {
    const before = await Promise.all(SITES.map(async (site) => (await httpsGet(site.domain, root)).serial));
    const proxy = await proxyContainerId();
    let running = true;
    const outcomes = { ok: 0, failed: [] as string[] };
    const load = async (domain: string, answer: string) => {
      // Bounded: at most 20 000 requests per domain, and only while renew runs.
      for (let i = 0; running && i < 20_000; i++) {
        try {
          const reply = await httpsGet(domain, root);
          if (reply.status === 200 && reply.body === answer) outcomes.ok += 1;
          else outcomes.failed.push(`${domain}: ${reply.status} ${reply.body.slice(0, 60)}`);
        } catch (error) {
          outcomes.failed.push(`${domain}: ${(error as Error).message}`);
        }
      }
    };
    const loops = SITES.map((site) => load(site.domain, site.answer));
    const run = await h.swarmWiz(['renew', '--force', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    running = false;
    await Promise.all(loops);
    console.log(`renew --force under load: ${outcomes.ok + outcomes.failed.length} HTTPS requests, ${outcomes.failed.length} failed`);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(30);
    const after = await Promise.all(SITES.map(async (site) => (await httpsGet(site.domain, root)).serial));
    after.forEach((serial, i) => expect(serial).not.toBe(before[i]));
    expect(await proxyContainerId()).toBe(proxy);
  }, 300_000);

  it('a second apply with nothing changed changes nothing: no deploy, no reload, no order at the CA', async () => {
    const state = await loadState(h.dir, 'demo');
    const serials = await Promise.all(SITES.map(async (site) => (await httpsGet(site.domain, root)).serial));
    const proxy = await proxyContainerId();
    const updatedAt = await docker(['service', 'inspect', 'demo_proxy', '--format', '{{.UpdatedAt}}']);
    const run = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--json', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { changed: unknown[]; issued: string[] };
    expect(summary).toMatchObject({ changed: [], issued: [] });
    expect((await loadState(h.dir, 'demo')).stack).toEqual(state.stack);
    expect(await docker(['service', 'inspect', 'demo_proxy', '--format', '{{.UpdatedAt}}'])).toBe(updatedAt);
    expect(await proxyContainerId()).toBe(proxy);
    expect(await Promise.all(SITES.map(async (site) => (await httpsGet(site.domain, root)).serial))).toEqual(serials);
  }, 300_000);
});
