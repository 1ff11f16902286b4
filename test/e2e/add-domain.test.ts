import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { loadState } from '../../src/state/index.js';
import { buildBackendImage, hostDocker } from '../recipes/private-swarm.js';
import { runArgv } from '../peers/tools.js';
import { docker, proxyGet, proxyContainerId, SITES, startLocalHarness, startRequestLoop, type LocalHarness } from './local-harness.js';
import { expectStatusOnLocalCluster } from './status-assertions.js';

/**
 * Day two on a running three-domain project (apply --target local): `swarm-wiz add-domain` adds d.test
 * with its own service. Its DNS is checked first (challtestsrv answers for it); the change is the new
 * service, the proxy files reloaded in place and one certificate; the three sites of SITES (a.test,
 * my-shop.test, bücher.test as xn--bcher-kva.test) are not touched.
 * Then `swarm-wiz status` on the grown cluster. Uses the host's Docker engine: run under
 * `flock /tmp/swz-host-docker.lock`.
 */
const D_IMAGE = 'swz-local/service-d:1';
let h: LocalHarness;
let root: string;

beforeAll(async () => {
  h = await startLocalHarness();
  root = await readFile(h.rootFile, 'utf8');
  await buildBackendImage(hostDocker, D_IMAGE, 'site D', 5000);
  const run = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
  if (run.code !== 0) throw new Error(`the first apply failed: ${run.stdout}\n${run.stderr}`);
}, 600_000);

afterAll(async () => {
  await h?.stop();
  await runArgv('docker', ['image', 'rm', '-f', D_IMAGE]);
}, 300_000);

const addD = ['add-domain', '--domain', 'd.test', '--image', D_IMAGE, '--port', '5000', '--yes'];

describe('add-domain on a running project', () => {
  it('d.test pointing elsewhere: says so before any certificate is ordered, exit 1, nothing changed', async () => {
    await h.pebble.challtestsrv.addA('d.test', ['192.0.2.44']);
    const config = await readFile(h.configPath, 'utf8');
    const stack = await docker(['service', 'ls', '--format', '{{.Name}}']);
    const run = await h.swarmWiz([...addD, '--config', h.configPath, '--ca-cert', h.caCertFile, '--dns-server', h.pebble.dnsServer]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('+ service service-d (public) swz-local/service-d:1');
    expect(run.stdout).toContain('d.test points to 192.0.2.44, not to this machine');
    expect(run.stderr).toContain('nothing was changed');
    expect(await readFile(h.configPath, 'utf8')).toBe(config);
    expect(await docker(['service', 'ls', '--format', '{{.Name}}'])).toBe(stack);
    await h.pebble.challtestsrv.clearA('d.test');
  }, 120_000);

  it('adds d.test: HTTPS with a CA certificate, the others keep their serials, zero failed requests, the same proxy, no droplet', async () => {
    const serials = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
    const proxy = await proxyContainerId();
    const loop = startRequestLoop(SITES.map((site) => ({ domain: site.domain, answer: site.answer })), root);
    const started = Date.now();
    const run = await h.swarmWiz([...addD, '--config', h.configPath, '--ca-cert', h.caCertFile, '--dns-server', h.pebble.dnsServer]);
    const took = Date.now() - started;
    const outcomes = await loop.stop();
    console.log(`add-domain d.test: ${(took / 1000).toFixed(1)} s; ${outcomes.ok + outcomes.failed.length} HTTPS requests to ${SITES.map((site) => site.domain).join(', ')} meanwhile, ${outcomes.failed.length} failed`);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('✓ d.test → 127.0.0.1 (this machine)');
    expect(run.stdout).toContain('no droplet is created or changed');
    expect(run.stdout).toContain('the running proxy stays');
    expect(run.stdout).toMatch(/^\+\s+server_name d\.test;/m);
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(30);

    const d = await proxyGet('d.test', root);
    expect(d.status).toBe(200);
    expect(d.body).toBe('site D');
    expect(d.cert).toContain('DNS:d.test');
    expect(await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial))).toEqual(serials);
    expect(await proxyContainerId()).toBe(proxy);
    const state = await loadState(h.dir, 'demo');
    expect(state.cloud.droplets).toEqual([]);
    expect(await readFile(h.configPath, 'utf8')).toContain('domain: d.test');
  }, 600_000);

  it('status --json on the four-domain cluster: served serials match the stored ones, HTTP 200; dead entries down within --timeout + 1 s', async () => {
    const config = await loadConfig(h.configPath);
    expect(config.sites.map((site) => site.domain)).toEqual(['a.test', 'my-shop.test', 'xn--bcher-kva.test', 'd.test']);
    const { json } = await expectStatusOnLocalCluster({ ...h, config });
    expect(json.served.filter((row) => row.state === 'ok').map((row) => row.domain)).toEqual(['a.test', 'my-shop.test', 'xn--bcher-kva.test', 'd.test']);
  }, 60_000);

  it('the status screen without a terminal: one final frame with every section, exit 0 when only live entries are asked', async () => {
    const run = await h.swarmWiz(['status', '--target', 'local', '--config', h.configPath, '--ca-cert', h.rootFile, '--entry', '127.0.0.1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const text of ['Nodes via local', 'Stack', 'Served', 'Certificates', 'All fine.']) expect(run.stdout).toContain(text);
    expect(run.stdout).toMatch(/proxy +1\/1 +running/);
    expect(run.stdout).toMatch(/127\.0\.0\.1:443 +d\.test +ok +[0-9a-f]{14}… = stored to \d{4}-\d\d-\d\d HTTP 200/);
  }, 60_000);
});
