import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ariCertIdOf } from '../../src/adapters/acme/ari.js';
import { loadState } from '../../src/state/index.js';
import { eventually, requireTool, runArgv } from '../peers/tools.js';
import { down, leftovers, up } from './sandbox-cli.js';
import { LOAD_BALANCER_IP } from './sandbox-env.js';
import { CRON_JOB_ENV, cronJob, expectOk, fakeApi, inMachine, loadBalancerStatus, requestLoop, sandboxClient, servedSerialAt, setRenewalWindow, siteConfig, type SandboxClient } from './sandbox-harness.js';

/**
 * The whole flow on one machine, as a user runs it with the sandbox: `sandbox up`, then for each
 * topology `swarm-wiz apply --yes` in the operator namespace against an empty fake account — droplets
 * (network namespaces with sshd + dockerd), swarm over SSH, stack, certificates from Pebble — and
 * `curl --cacert <Pebble root>` through the entry address the DNS names; `destroy` gives the
 * machines back; `sandbox down` leaves nothing behind.
 */
const DIR = `/tmp/swz-sandbox-test-${process.pid}`;
let client: SandboxClient | undefined;
let prefix = '';
const times: string[] = [];

function c(): SandboxClient {
  if (!client) throw new Error('the sandbox did not come up');
  return client;
}

/** apply from an empty account, then every site over HTTPS by its name; returns the project folder. */
async function applyAndServe(name: string, config: Record<string, unknown>, letters: readonly string[]): Promise<string> {
  const projectDir = await c().project({ project: name, ...config, sites: siteConfig(letters) });
  expect((await c().fakeState()).droplets).toEqual([]);
  const applied = await c().swarmWiz(projectDir, ['apply', '--yes', '--ca-cert', c().env.SANDBOX_CA_CERT!]);
  expectOk(applied, `apply (${name})`);
  expect(applied.stdout + applied.stderr).not.toContain(c().info.registry.password);
  for (const letter of letters) {
    const reply = await eventually(`https://${letter}.test/`, () => c().get(`https://${letter}.test/`), (r) => r.ok, 30);
    expect(reply.body).toBe(`site ${letter.toUpperCase()}`);
  }
  const state = await loadState(projectDir, name);
  const fake = await c().fakeState();
  const summary = (droplets: { id: number; name: string }[]) => droplets.map((d) => `${d.name}#${d.id}`).sort();
  expect(summary(state.cloud.droplets)).toEqual(summary(fake.droplets));
  times.push(`${name} (${config.topology}, ${config.managers} manager(s), ${config.workers} worker(s)): apply ${(applied.ms / 1000).toFixed(1)} s`);
  console.log(`sandbox: ${times.at(-1)}`);
  return projectDir;
}

async function destroy(projectDir: string, name: string): Promise<void> {
  const destroyed = await c().swarmWiz(projectDir, ['destroy', '--yes', '--confirm', name]);
  expectOk(destroyed, `destroy (${name})`);
  expect((await c().fakeState()).droplets).toEqual([]);
  await eventually('the machines are wiped and free', () => c().bindings(), (bindings) => bindings.length === 0, 30);
  await rm(projectDir, { recursive: true, force: true });
}

/** Where each domain's A record points, as the sandbox's DNS answers it. */
async function resolved(domain: string): Promise<string> {
  const answer = await c().inOperator(['getent', 'hosts', domain]);
  return answer.stdout.trim().split(/\s+/)[0] ?? '';
}

/** Moves the sites' tasks off one droplet (a placement constraint, as an operator would) and waits until they answer. */
async function keepSitesOff(project: string, droplet: string, letters: readonly string[]): Promise<void> {
  const manager = (await c().bindings()).find((b) => b.droplet === `${project}-manager-1`)!;
  for (const letter of letters) {
    const moved = await runArgv('docker', ['service', 'update', '--quiet', '--constraint-add', `node.hostname!=${droplet}`, `${project}_site-${letter}`], {
      env: { ...process.env, DOCKER_HOST: `unix://${manager.dir}/docker.sock` },
      timeout: 120_000,
    });
    expect(moved.code, moved.stderr).toBe(0);
  }
  for (const letter of letters) await eventually(`${letter}.test after the move`, () => c().get(`https://${letter}.test/`), (r) => r.body === `site ${letter.toUpperCase()}`, 30);
}

const servedSerial = (address: string, servername: string): Promise<string> => servedSerialAt(c(), address, servername);

/** GETs a URL with Node's fetch inside a machine, as a cron job there would (NODE_EXTRA_CA_CERTS: Pebble's listener CA). */
async function fetchInMachine(machine: string, url: string): Promise<{ status: number; body: string }> {
  const script = 'const r = await fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }); console.log(r.status); console.log(await r.text());';
  const env = { ...CRON_JOB_ENV, NODE_EXTRA_CA_CERTS: c().info.listenerCaFile };
  const run = await inMachine(c().info, machine, ['node', '--input-type=module', '-e', script, url], { env, timeoutMs: 15_000 });
  expect(run.code, `node's fetch of ${url} in ${machine}: ${run.stderr}`).toBe(0);
  const [status = '', ...body] = run.stdout.split('\n');
  return { status: Number(status), body: body.join('\n').trim() };
}

const api = (method: string, path: string, body?: unknown) => fakeApi(c(), method, path, body);

/** A droplet with this user-data, through the fake API; resolves once it is bound to a machine. */
async function dropletWith(name: string, userData: string): Promise<{ id: number; machine: string; dir: string }> {
  const created = await api('POST', '/v2/droplets', { name, region: 'fra1', size: 's-1vcpu-2gb', image: 'debian-12-x64', user_data: userData });
  expect(created.status, JSON.stringify(created.json)).toBe(202);
  const id = (created.json.droplet as { id: number }).id;
  const bindings = await eventually(`${name} on a machine`, () => c().bindings(), (found) => found.some((b) => b.dropletId === id), 30, 200);
  const binding = bindings.find((b) => b.dropletId === id)!;
  return { id, machine: binding.machine, dir: binding.dir };
}

const lbStatus = () => loadBalancerStatus(DIR);

beforeAll(async () => {
  requireTool('ip (iproute2)', ['ip', 'netns', 'list'], 'the sandbox');
  requireTool('getent (libc-bin)', ['getent', '--version'], 'name look-ups in the sandbox');
  const started = Date.now();
  await up(DIR, 5);
  prefix = (JSON.parse(await readFile(join(DIR, 'sandbox.json'), 'utf8')) as { prefix: string }).prefix;
  client = await sandboxClient(DIR);
  times.push(`sandbox up (5 machines): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`sandbox: ${times.at(-1)}`);
}, 300_000);

afterAll(async () => {
  await down(DIR);
  console.log(`sandbox times:\n  ${times.join('\n  ')}`);
}, 180_000);

describe('the sandbox: every topology from an empty DigitalOcean account to HTTPS', () => {
  it('manager: the proxy on the only manager', async () => {
    const dir = await applyAndServe('mgr', { managers: 1, workers: 0, topology: 'manager' }, ['a', 'b']);
    const manager = (await c().bindings()).find((b) => b.droplet === 'mgr-manager-1');
    expect(await resolved('a.test')).toBe(manager?.publicIp);

    // status from the operator: cluster facts from the manager over SSH, each domain probed at its entry.
    const status = await c().swarmWiz(dir, ['status', '--json', '--ca-cert', c().env.SANDBOX_CA_ROOT!, '--timeout', '5']);
    expectOk(status, 'status --json');
    const facts = JSON.parse(status.stdout) as { cluster: { state: string; via?: string }; nodes: { hostname: string; role: string; carriesProxy: boolean }[]; services: { name: string; running: number; desired: number }[]; served: { entry: string; domain: string; state: string; matches?: boolean; httpStatus?: number }[] };
    expect(facts.cluster.state).toBe('ok');
    expect(facts.nodes).toEqual([expect.objectContaining({ role: 'manager', carriesProxy: true })]);
    for (const svc of facts.services) expect(svc.running, svc.name).toBe(svc.desired);
    expect(facts.served.map((row) => [row.entry, row.domain, row.state, row.matches, row.httpStatus])).toEqual(
      ['a.test', 'b.test'].map((domain) => [`${manager!.publicIp}:443`, domain, 'ok', true, 200]),
    );

    // Pebble 2.10's renewalInfo for the certificate apply got, from the droplet, once a test moved its window.
    const fullchain = await readFile(join(dir, '.swarm-wiz', 'certs', 'a.test', 'fullchain.pem'), 'utf8');
    const leaf = fullchain.slice(0, fullchain.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length);
    const window = { start: new Date(Date.now() + 3_600_000), end: new Date(Date.now() + 7_200_000) };
    await setRenewalWindow(c().info, fullchain, window);
    const directory = JSON.parse((await fetchInMachine(manager!.machine, c().info.caUrl)).body) as { renewalInfo?: string };
    const answer = await fetchInMachine(manager!.machine, `${directory.renewalInfo}/${ariCertIdOf(leaf)}`);
    expect(answer.status, answer.body).toBe(200);
    const suggested = (JSON.parse(answer.body) as { suggestedWindow: { start: string; end: string } }).suggestedWindow;
    expect([Date.parse(suggested.start), Date.parse(suggested.end)]).toEqual([window.start.getTime(), window.end.getTime()]);
    await destroy(dir, 'mgr');
  }, 300_000);

  it('dedicated: the proxy pinned on one worker, with 3 managers; renew --force under load', async () => {
    const dir = await applyAndServe('pin', { managers: 3, workers: 1, topology: 'dedicated' }, ['a', 'b', 'c']);
    const worker = (await c().bindings()).find((b) => b.droplet === 'pin-worker-1');
    expect(await resolved('c.test')).toBe(worker?.publicIp);

    // renew --force from the operator while requests run against every domain: new serials, none failed.
    const letters = ['a', 'b', 'c'];
    const before = await Promise.all(letters.map((letter) => servedSerial(worker!.publicIp, `${letter}.test`)));
    const loop = requestLoop(c(), letters.map((letter) => `https://${letter}.test/`));
    const renewed = await c().swarmWiz(dir, ['renew', '--force', '--ca-cert', c().env.SANDBOX_CA_CERT!]);
    const outcomes = await loop.stop();
    expectOk(renewed, 'renew --force');
    console.log(`sandbox: renew --force on dedicated (3 managers): ${outcomes.length} requests during it, ${outcomes.filter((o) => !o.ok).length} failed`);
    expect(outcomes.length).toBeGreaterThan(10);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const after = await Promise.all(letters.map((letter) => servedSerial(worker!.publicIp, `${letter}.test`)));
    after.forEach((serial, i) => expect(serial).not.toBe(before[i]));
    await destroy(dir, 'pin');
  }, 300_000);

  it("per-domain: each domain on its own worker; the support server's own crontab command renews a due certificate and rolls it out under load; apply takes it back; a worker down takes exactly its domain down", async () => {
    const letters = ['a', 'b', 'c'];
    const dir = await applyAndServe('dom', { managers: 1, workers: 3, topology: 'per-domain' }, letters);
    const bindings = await c().bindings();
    const entries = await Promise.all(letters.map((letter) => resolved(`${letter}.test`)));
    expect(new Set(entries).size).toBe(3);
    for (const entry of entries) expect(bindings.find((b) => b.publicIp === entry)?.droplet).toMatch(/^dom-worker-\d$/);

    // What apply left on the support server: swarm-wiz, a copy of the project without the join tokens, root's crontab.
    const support = bindings.find((b) => b.droplet === 'dom-support')!;
    const there = (argv: string[], env: Record<string, string> = {}, timeoutMs = 60_000) => inMachine(c().info, support.machine, argv, { env: { ...CRON_JOB_ENV, ...env }, timeoutMs });
    const copy = JSON.parse((await there(['cat', '/srv/swarm-wiz/dom/.swarm-wiz/state.json'])).stdout) as { runsOn?: string; swarm?: Record<string, unknown> };
    expect(copy.runsOn).toBe('dom-support');
    expect(copy.swarm?.joinTokens).toBeUndefined();
    const crontab = await there(['crontab', '-l']);
    expect(crontab.code, crontab.stderr).toBe(0);
    const job = cronJob(crontab.stdout);
    expect(job.command).toMatch(/^swarm-wiz renew --config \/srv\/swarm-wiz\/dom\/swarm-wiz\.yaml --dir \/srv\/swarm-wiz\/dom; swarm-wiz status --check /);

    // The CA moves a.test's renewal window into the past: due now. b.test and c.test keep theirs (weeks away).
    const stored = async (domain: string) => JSON.parse((await there(['cat', `/srv/swarm-wiz/dom/.swarm-wiz/certs/${domain}/meta.json`])).stdout) as { serial: string };
    const before = await Promise.all(letters.map((letter) => stored(`${letter}.test`)));
    const chain = await readFile(join(dir, '.swarm-wiz', 'certs', 'a.test', 'fullchain.pem'), 'utf8');
    await setRenewalWindow(c().info, chain, { start: new Date(Date.now() - 2 * 3_600_000), end: new Date(Date.now() - 3_600_000) });

    const loop = requestLoop(c(), letters.map((letter) => `https://${letter}.test/`));
    const cron = await there(['sh', '-c', job.command], job.env, 300_000);
    const outcomes = await loop.stop();
    expect(cron.code, `the crontab's command failed (exit ${cron.code}):\n${cron.stdout}\n${cron.stderr}`).toBe(0);
    console.log(`sandbox: the support server's cron job on per-domain: ${outcomes.length} requests during it, ${outcomes.filter((o) => !o.ok).length} failed`);
    expect(outcomes.length).toBeGreaterThan(10);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const after = await Promise.all(letters.map((letter) => stored(`${letter}.test`)));
    expect(after[0]!.serial, `a.test was not renewed; the cron job said:\n${cron.stdout}\n${cron.stderr}`).not.toBe(before[0]!.serial);
    expect(after.slice(1).map((m) => m.serial)).toEqual(before.slice(1).map((m) => m.serial));
    // Every proxy node serves the renewed a.test certificate.
    for (const worker of bindings.filter((b) => /^dom-worker-/.test(b.droplet))) expect(await servedSerial(worker.publicIp, 'a.test')).toBe(after[0]!.serial);

    // The next apply from the operator's folder takes the renewed certificate back instead of ordering or rolling back.
    const again = await c().swarmWiz(dir, ['apply', '--yes', '--ca-cert', c().env.SANDBOX_CA_CERT!]);
    expectOk(again, 'apply after the cron job');
    expect(JSON.parse(await readFile(join(dir, '.swarm-wiz', 'certs', 'a.test', 'meta.json'), 'utf8')).serial).toBe(after[0]!.serial);
    expect(await servedSerial(entries[0]!, 'a.test')).toBe(after[0]!.serial);

    // b.test's worker loses its Docker engine: b.test is down, a.test and c.test are not (their
    // backends, one task each, kept off that worker first: a lost backend is not what is tested).
    const bWorker = bindings.find((b) => b.publicIp === entries[1])!;
    await keepSitesOff('dom', bWorker.droplet, letters);
    const pid = Number((await readFile(join(bWorker.dir, 'dockerd.pid'), 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    await eventually('b.test down', () => c().get('https://b.test/'), (r) => !r.ok, 60);
    for (const letter of ['a', 'c']) expect((await c().get(`https://${letter}.test/`)).body).toBe(`site ${letter.toUpperCase()}`);
    await destroy(dir, 'dom');
  }, 400_000);

  it('global-lb: every worker behind the load balancer; a worker whose engine stops is dropped and every domain keeps answering', async () => {
    const letters = ['a', 'b', 'c'];
    const dir = await applyAndServe('glb', { managers: 1, workers: 2, topology: 'global-lb' }, letters);
    const lbIp = (await c().fakeState()).loadBalancers[0]?.ip;
    expect(lbIp).toBe(LOAD_BALANCER_IP);
    for (const letter of letters) expect(await resolved(`${letter}.test`)).toBe(LOAD_BALANCER_IP);
    const workers = (await c().bindings()).filter((b) => /^glb-worker-/.test(b.droplet));
    expect(workers).toHaveLength(2);
    await eventually('both workers healthy at the load balancer', () => lbStatus(), (s) => workers.every((w) => s.targets.find((t) => t.address === w.privateIp)?.healthy === true), 60);

    // The sites run one task each (replicas are issue 10's): keep them off the worker that goes down, so
    // what is measured is the load balancer dropping a dead proxy node, not a lost backend.
    const stopped = workers[0]!;
    await keepSitesOff('glb', stopped.droplet, letters);

    const loop = requestLoop(c(), letters.map((letter) => `https://${letter}.test/`));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    process.kill(Number((await readFile(join(stopped.dir, 'dockerd.pid'), 'utf8')).trim()), 'SIGTERM');
    const stoppedAt = Date.now();
    await eventually(`${stopped.droplet} dropped by the load balancer`, () => lbStatus(), (s) => s.targets.find((t) => t.address === stopped.privateIp)?.healthy === false, 120);
    const droppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const outcomes = await loop.stop();
    const before = outcomes.filter((o) => !o.ok && o.at <= droppedAt);
    const after = outcomes.filter((o) => o.at > droppedAt);
    console.log(`sandbox: global-lb: ${stopped.droplet} dropped ${((droppedAt - stoppedAt) / 1000).toFixed(1)} s after its engine stopped; ${before.length} of ${outcomes.length - after.length} requests failed before the drop, ${after.filter((o) => !o.ok).length} of ${after.length} after`);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((o) => !o.ok)).toEqual([]);
    await destroy(dir, 'glb');
  }, 400_000);

  it("delivery: image: the manager builds the proxy image, pushes it to the sandbox's registry with the login, the worker pulls it", async () => {
    const registry = c().info.registry;
    const dir = await applyAndServe('img', { managers: 1, workers: 1, topology: 'dedicated', registry: `${registry.host}/swz`, certificates: { email: 'ops@a.test', ca: c().env.SANDBOX_CA_URL, challenge: 'http-01', delivery: 'image' } }, ['d', 'e']);
    const catalog = await c().inOperator(['curl', '-sS', '--max-time', '5', '-u', `${registry.username}:${registry.password}`, `http://${registry.host}/v2/swz/img-proxy/tags/list`]);
    const tags = (JSON.parse(catalog.stdout) as { tags: string[] }).tags;
    expect(tags.length).toBeGreaterThan(0);
    const machine = async (droplet: string, args: string[]) => {
      const binding = (await c().bindings()).find((b) => b.droplet === droplet)!;
      return (await runArgv('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${binding.dir}/docker.sock` } })).stdout.trim();
    };
    const served = (await machine('img-manager-1', ['service', 'inspect', 'img_proxy', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'])).split('@')[0]!;
    expect(served).toMatch(new RegExp(`^${registry.host.replaceAll('.', '\\.')}/swz/img-proxy:(${tags.join('|')})$`));
    // The worker never built it: it pulled it from the registry (by digest, so without a tag).
    expect((await machine('img-worker-1', ['image', 'ls', '--digests', '--format', '{{.Repository}}'])).split('\n')).toContain(served.split(':5000/')[0] + ':5000/swz/img-proxy');
    await destroy(dir, 'img');
  }, 300_000);

  it("a machine reaches the CA as a droplet reaches Let's Encrypt: the directory over TLS at the operator's public address, with renewalInfo; no route out", async () => {
    const machine = c().info.machines[0]!.name;
    expect(c().info.caUrl).toMatch(/^https:\/\/203\.0\.113\.2:\d+\/dir$/);
    expect((await inMachine(c().info, machine, ['ip', '-4', 'route', 'show', 'default'])).stdout.trim()).toBe('');
    const answer = await fetchInMachine(machine, c().info.caUrl);
    expect(answer.status).toBe(200);
    const directory = JSON.parse(answer.body) as Record<string, unknown>;
    // Pebble builds its URLs from the Host asked for: every one leads back to the same address.
    const origin = new URL(c().info.caUrl).origin;
    for (const key of ['newNonce', 'newAccount', 'newOrder', 'renewalInfo']) expect(String(directory[key]), key).toMatch(new RegExp(`^${origin.replaceAll('.', '\\.')}/`));
  });

  it("a droplet's own crontab: written inside its machine only, run there with cron's environment, gone after a wipe; a package it lacks fails cloud-init", async () => {
    const hostBefore = await runArgv('crontab', ['-l']);
    const packages = (names: string[]) => `#cloud-config\npackages: [${names.join(', ')}]\n`;
    const support = await dropletWith('cron-probe', packages(['nodejs', 'docker.io', 'busybox', 'cron', 'openssh-client']));
    const missing = await dropletWith('package-probe', packages(['nodejs', 'no-such-package']));

    const done = await inMachine(c().info, support.machine, ['cloud-init', 'status', '--wait'], { timeoutMs: 30_000 });
    expect(done.stdout, done.stderr).toContain('status: done');
    const line = '17 3 * * * echo "renewed on $(hostname)"';
    const installed = await inMachine(c().info, support.machine, ['sh', '-c', 'printf "%s\\n" "$1" | crontab -', 'sh', line], { env: { ...CRON_JOB_ENV } });
    expect(installed.code, installed.stderr).toBe(0);
    const listed = await inMachine(c().info, support.machine, ['crontab', '-l']);
    expect(listed.stdout).toBe(`${line}\n`);
    expect(await readFile(join(support.dir, 'spool-cron', 'crontabs', 'root'), 'utf8')).toContain(line);
    expect(await runArgv('crontab', ['-l'])).toEqual(hostBefore);
    const job = await inMachine(c().info, support.machine, ['sh', '-c', line.split(' ').slice(5).join(' ')], { env: { ...CRON_JOB_ENV } });
    expect(job.stdout.trim()).toBe('renewed on cron-probe');

    const failed = await inMachine(c().info, missing.machine, ['cloud-init', 'status', '--wait'], { timeoutMs: 30_000 });
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toContain('status: error');
    expect(failed.stdout).toContain('no-such-package');
    expect(failed.stdout).not.toMatch(/nodejs (is|would)/);

    for (const droplet of [support, missing]) expect((await api('DELETE', `/v2/droplets/${droplet.id}`)).status).toBe(204);
    await eventually(`${support.machine}'s crontab after the wipe`, () => inMachine(c().info, support.machine, ['crontab', '-l']), (r) => r.stderr.includes('no crontab for root'), 60);
    expect((await stat(join(support.dir, 'spool-cron', 'crontabs'))).mode & 0o7777).toBe(0o1730);
    expect(await runArgv('crontab', ['-l'])).toEqual(hostBefore);
  }, 120_000);

  it('sandbox down leaves no process, namespace, mount or cgroup behind', async () => {
    const left = await down(DIR);
    expect(left).toEqual([]);
    expect(await leftovers(prefix, DIR)).toEqual([]);
    const namespaces = (await runArgv('ip', ['netns', 'list'])).stdout;
    expect(namespaces).not.toContain(prefix);
    client = undefined;
  }, 180_000);
});
