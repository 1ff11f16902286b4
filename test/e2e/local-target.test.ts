import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticEntryPoints } from '../../src/adapters/acme/entry-points.js';
import { deployRemote, remoteTarget } from '../../src/app/remote.js';
import { configToYaml } from '../../src/config/index.js';
import { dnsPublisher } from '../fake-do/dns-publisher.js';
import { startFakeDigitalOcean } from '../fake-do/index.js';
import { loadState, StateStore } from '../../src/state/index.js';
import { generateKey, requireOpenSsh, startSshd, type SshdPeer } from '../peers/sshd.js';
import { runArgv } from '../peers/tools.js';
import { docker, eventually, proxyGet, leaveSwarm, proxyContainerId, SITES, startLocalHarness, startRequestLoop, type LocalHarness } from './local-harness.js';

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
/** The hyphenated site (my-shop.test) and the IDN (bücher.test, served as xn--bcher-kva.test). */
const [, HYPHENATED, IDN] = SITES;
/** What Docker accepts as a Swarm object name (moby's validation: alphanumerics, '-', '_', '.' inside; at most 64). */
const SWARM_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,62}[a-zA-Z0-9])?$/;

describe('apply --target local, end to end', () => {
  it('SIGTERM once the swarm exists: the steps in flight finish and are recorded, exit 143 with the resume line', async () => {
    const run = h.startSwarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    // Bounded: at most 60 s for the swarm to be initialised and recorded.
    for (let i = 0; i < 600 && !(await loadState(h.dir, 'demo').catch(() => undefined))?.swarm?.clusterId; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    run.kill('SIGTERM');
    const stopped = await run.done;
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(143);
    expect(stopped.stderr).toContain('Run apply --target local again to finish.');
    expect((await loadState(h.dir, 'demo')).swarm?.clusterId).toBeTruthy();
  }, 300_000);

  it('run again, it finishes: deploys the stack and serves every domain over HTTPS with a certificate from the CA', async () => {
    const run = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const { host, answer } of hosts) {
      const reply = await proxyGet(host, root);
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
    await docker(['service', 'scale', '--detach', `demo_${HYPHENATED.name}=0`]);
    const down = await eventually(`${HYPHENATED.domain} answers 503`, () => proxyGet(HYPHENATED.domain, root), (r) => r.status === 503, 60);
    expect(down.body).toContain('temporarily unavailable');
    expect((await proxyGet('a.test', root)).body).toBe('site A');
    expect((await proxyGet(IDN.domain, root)).body).toBe(IDN.answer);
    await docker(['service', 'scale', '--detach', `demo_${HYPHENATED.name}=1`]);
    await eventually(`${HYPHENATED.domain} is back`, () => proxyGet(HYPHENATED.domain, root), (r) => r.status === 200, 120);
    expect(await proxyContainerId()).toBe(before);
  }, 300_000);

  it('renew --force while HTTPS requests run against every domain: zero failed requests, new serials, the same proxy', async () => {
    const before = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
    const proxy = await proxyContainerId();
    const loop = startRequestLoop(SITES.map((site) => ({ domain: site.domain, answer: site.answer })), root);
    const run = await h.swarmWiz(['renew', '--force', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    const outcomes = await loop.stop();
    console.log(`renew --force under load: ${outcomes.ok + outcomes.failed.length} HTTPS requests, ${outcomes.failed.length} failed`);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(30);
    const after = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
    after.forEach((serial, i) => expect(serial).not.toBe(before[i]));
    expect(await proxyContainerId()).toBe(proxy);
  }, 300_000);

  it('a second apply with nothing changed changes nothing: no deploy, no reload, no order at the CA', async () => {
    const state = await loadState(h.dir, 'demo');
    const serials = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
    const proxy = await proxyContainerId();
    const updatedAt = await docker(['service', 'inspect', 'demo_proxy', '--format', '{{.UpdatedAt}}']);
    const run = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--json', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { changed: unknown[]; issued: string[] };
    expect(summary).toMatchObject({ changed: [], issued: [] });
    expect((await loadState(h.dir, 'demo')).stack).toEqual(state.stack);
    expect(await docker(['service', 'inspect', 'demo_proxy', '--format', '{{.UpdatedAt}}'])).toBe(updatedAt);
    expect(await proxyContainerId()).toBe(proxy);
    expect(await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial))).toEqual(serials);
  }, 300_000);

  it('switching to delivery: secrets redeploys with Swarm secrets; renew --force rolls out under new secret names', async () => {
    const secrets = { ...h.config, certificates: { ...h.config.certificates, delivery: 'secrets' as const } };
    await writeFile(h.configPath, configToYaml(secrets));
    const served = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
    const applied = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const mounts = JSON.parse(await docker(['service', 'inspect', 'demo_proxy', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}'])) as { SecretName: string; File: { Name: string } }[];
    expect(mounts.map((m) => m.SecretName).filter((name) => name.startsWith('demo_a.test_'))).toHaveLength(2);
    const after = await eventually('the proxy serves again', () => Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial)), (serials) => Array.isArray(serials) && serials.every(Boolean), 120);
    expect(after).toEqual(served);

    // The hyphenated and the punycode domain (issue 17, item 1), while delivery is secrets: each has its
    // certificate and key as Swarm secrets under valid names that carry the domain, mounted into the
    // proxy, and is served over HTTPS (SNI and Host the ASCII name) with the CA's certificate, which is
    // the one in its secret, and its own site's answer.
    const existing = new Set((await docker(['secret', 'ls', '--format', '{{.Name}}'])).split('\n').filter(Boolean));
    const proxy = await proxyContainerId();
    let requests = 0;
    for (const site of [HYPHENATED, IDN]) {
      const ofSite = (kind: 'crt' | 'key') => mounts.filter((m) => new RegExp(`^demo_${site.domain.replaceAll('.', '\\.')}_${kind}_[0-9a-f]{12}$`).test(m.SecretName));
      const [crt, key] = [ofSite('crt'), ofSite('key')];
      expect(crt, `${site.domain}: ${JSON.stringify(mounts)}`).toHaveLength(1);
      expect(key, `${site.domain}: ${JSON.stringify(mounts)}`).toHaveLength(1);
      for (const mount of [...crt, ...key]) {
        expect(mount.SecretName).toMatch(SWARM_NAME);
        expect([...existing], 'docker secret ls').toContain(mount.SecretName);
      }
      expect([crt[0]!.File.Name, key[0]!.File.Name]).toEqual([`${site.domain}.crt`, `${site.domain}.key`]);
      const inSecret = new X509Certificate(await docker(['exec', proxy, 'cat', `/run/secrets/${site.domain}.crt`]));
      for (let i = 0; i < 3; i++, requests++) {
        const reply = await proxyGet(site.domain, root);
        expect(reply.status, site.domain).toBe(200);
        expect(reply.body, site.domain).toBe(site.answer);
        expect(reply.cert).toBe(`DNS:${site.domain}`);
        expect(reply.serial).toBe(inSecret.serialNumber);
      }
    }
    expect(IDN.domain).toBe('xn--bcher-kva.test');
    console.log(`delivery: secrets: ${requests} HTTPS requests to ${HYPHENATED.domain} and ${IDN.domain}, all 200 with the certificate in their Swarm secret`);

    const renewed = await h.swarmWiz(['renew', '--force', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    expect(renewed.code, renewed.stdout + renewed.stderr).toBe(0);
    const rolled = await eventually('the renewed certificates are served', () => Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial)), (serials) => Array.isArray(serials) && serials.every((serial, i) => serial && serial !== served[i]), 120);
    expect(rolled).toHaveLength(SITES.length);
    const names = (await docker(['secret', 'ls', '--format', '{{.Name}}'])).split('\n').filter((name) => name.startsWith('demo_a.test_crt_'));
    expect(names).toHaveLength(2);
    // The renewal rolled the hyphenated and the punycode domain to new, valid secret names as well.
    for (const site of [HYPHENATED, IDN]) {
      const versions = (await docker(['secret', 'ls', '--format', '{{.Name}}'])).split('\n').filter((name) => name.startsWith(`demo_${site.domain}_crt_`));
      expect(versions, site.domain).toHaveLength(2);
      for (const name of versions) expect(name).toMatch(SWARM_NAME);
      const reply = await proxyGet(site.domain, root);
      expect([reply.status, reply.body]).toEqual([200, site.answer]);
    }
  }, 600_000);

  it('delivery: image builds the proxy image here (no registry), tagged by content; renew --force builds and rolls a new one', async () => {
    const image = { ...h.config, registry: 'localhost:5000/me', certificates: { ...h.config.certificates, delivery: 'image' as const } };
    await writeFile(h.configPath, configToYaml(image));
    const served = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
    const applied = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const imageOf = async () => (await docker(['service', 'inspect', 'demo_proxy', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'])).trim();
    const first = await imageOf();
    expect(first).toMatch(/^localhost:5000\/me\/demo-proxy:[0-9a-f]{12}$/);
    const after = await eventually('the proxy serves again', () => Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial)), (serials) => Array.isArray(serials) && serials.every(Boolean), 120);
    expect(after).toEqual(served);

    const renewed = await h.swarmWiz(['renew', '--force', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    expect(renewed.code, renewed.stdout + renewed.stderr).toBe(0);
    await eventually('the renewed certificates are served', () => Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial)), (serials) => Array.isArray(serials) && serials.every((serial, i) => serial && serial !== served[i]), 120);
    expect(await imageOf()).not.toBe(first);
    await writeFile(h.configPath, configToYaml(h.config));
  }, 600_000);

  it('challenge dns-01: the TXT records go through the DigitalOcean API (fake), renew --force orders and reloads in place', async () => {
    // The fake's DNS records are published in challtestsrv (the DNS Pebble and the preflight ask), as DigitalOcean's name servers would.
    const fake = await startFakeDigitalOcean({
      domains: SITES.map((site) => site.domain),
      afterChange: dnsPublisher(h.pebble.challtestsrv, { types: ['TXT'] }),
    });
    try {
      const env = { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url };
      const dns = { ...h.config, certificates: { ...h.config.certificates, challenge: 'dns-01' as const } };
      await writeFile(h.configPath, configToYaml(dns));
      const served = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
      const flags = ['--config', h.configPath, '--ca-cert', h.caCertFile, '--dns-server', h.pebble.dnsServer];
      const applied = await h.swarmWiz(['apply', '--target', 'local', '--yes', ...flags], env);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      await eventually('the proxy serves again', () => Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial)), (serials) => Array.isArray(serials) && serials.every(Boolean), 120);
      const proxy = await proxyContainerId();

      const renewed = await h.swarmWiz(['renew', '--force', ...flags], env);
      expect(renewed.code, renewed.stdout + renewed.stderr).toBe(0);
      const after = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
      after.forEach((serial, i) => expect(serial).not.toBe(served[i]));
      expect(await proxyContainerId()).toBe(proxy);
      const txt = [...fake.state.domainRecords.values()].flat().filter((record) => record.type === 'TXT');
      expect(txt).toEqual([]);
      expect(fake.requests.filter((r) => r.method === 'POST' && /\/records$/.test(r.path)).length).toBe(SITES.reduce((n, site) => n + 1 + site.aliases.length, 0));
      fake.assertNoViolations();
    } finally {
      await writeFile(h.configPath, configToYaml(h.config));
      await fake.stop();
    }
  }, 600_000);
});

/**
 * The droplet path on one machine: the same bootstrap and deploy, but every command goes over `ssh` to a
 * real sshd on 127.0.0.1 with the project's generated key and the host key pinned into the state. The
 * "support server" is the same machine over SSH: the HTTP-01 token is written into its webroot through
 * the shell, and a busybox httpd serves that webroot where the proxy forwards challenges.
 */
describe('the SSH target: bootstrap and deploy over ssh to sshd on 127.0.0.1', () => {
  let sshd: SshdPeer;
  let dir: string;
  let httpd: ChildProcess | undefined;
  let supportAddress: string;
  const SUPPORT_PORT = 8403;

  beforeAll(async () => {
    await leaveSwarm('demo');
    requireOpenSsh();
    sshd = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'swz-ssh-project-'));
    await mkdir(join(dir, '.swarm-wiz', 'ssh'), { recursive: true, mode: 0o700 });
    sshd.authorize(await generateKey(join(dir, '.swarm-wiz', 'ssh', 'id_ed25519')));
    supportAddress = (await docker(['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'])).trim() ||
      /inet (\S+)\//.exec((await runArgv('ip', ['-4', '-o', 'addr', 'show', 'dev', 'docker0'])).stdout)![1]!;
    await mkdir(join(dir, 'webroot'), { recursive: true });
    httpd = spawn('busybox', ['httpd', '-f', '-p', `${supportAddress}:${SUPPORT_PORT}`, '-h', join(dir, 'webroot')], { stdio: 'ignore' });
  }, 120_000);

  afterAll(async () => {
    httpd?.kill('SIGTERM');
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  const nodes = [
    { name: 'node-1', role: 'manager' as const, publicIp: '127.0.0.1' },
    { name: 'support', role: 'support' as const, publicIp: '127.0.0.1' },
  ];

  async function deploy(store: StateStore) {
    const remote = await remoteTarget({ dir, store, nodes, port: sshd.port });
    try {
      return await deployRemote({
        config: h.config,
        dir,
        store,
        target: remote.target,
        supportNode: 'support',
        supportAddress,
        supportPort: SUPPORT_PORT,
        webroot: join(dir, 'webroot'),
        nodeRoot: join(dir, 'srv'),
        entryPoints: staticEntryPoints([{ address: '127.0.0.1', port: 80 }]),
        caCertFile: h.caCertFile,
        resolveImage: 'never',
      });
    } finally {
      await remote.dispose();
    }
  }

  it('initialises the swarm, deploys, orders the certificates through the proxy, and pins the host key', async () => {
    const store = new StateStore(dir, await loadState(dir, 'demo'));
    const result = await deploy(store);
    expect(result.issued.sort()).toEqual(SITES.map((site) => site.domain).sort());
    for (const { host, answer } of hosts) {
      const reply = await proxyGet(host, root);
      expect(reply.body, host).toBe(answer);
    }
    const state = await loadState(dir, 'demo');
    expect(state.nodes?.['node-1']?.hostKey).toBe(sshd.hostKeyLine);
    expect(state.swarm?.joinTokens?.worker).toMatch(/^SWMTKN-/);
    expect((await stat(join(dir, '.swarm-wiz', 'state.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'srv', 'demo', 'proxy'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'srv', 'demo', 'proxy', 'certs', 'a.test', 'privkey.pem'))).mode & 0o777).toBe(0o600);
  }, 600_000);

  it('refuses a changed host key with a clear message, and runs nothing', async () => {
    await sshd.replaceHostKey();
    const store = new StateStore(dir, await loadState(dir, 'demo'));
    const failure = await deploy(store).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/node-1/);
    expect(failure?.message).toMatch(/SHA256:/);
    expect(failure?.message).toMatch(/host key/i);
    expect((await loadState(dir, 'demo')).nodes?.['node-1']?.hostKey).not.toBe(sshd.hostKeyLine);
  }, 120_000);
});
