import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, requireTool, runArgv } from '../peers/tools.js';
import { down, up } from './sandbox-cli.js';
import { LOAD_BALANCER_IP } from './sandbox-env.js';
import { bindingOf, CRON_JOB_ENV, cronJob, expectOk, fakeApi, inMachine, loadBalancerStatus, requestLoop, sandboxClient, servedSerialAt, setRenewalWindow, siteConfig, type Run, type SandboxClient } from './sandbox-harness.js';

/**
 * Machines come back (issue 20), in the sandbox: one global-lb project (a manager, two workers behind
 * the load balancer, the support droplet) whose droplets are deleted through the fake API one after
 * another — the support droplet, a worker, then the only manager — and brought back by `apply`.
 */
const DIR = `/tmp/swz-sandbox-recovery-${process.pid}`;
const PROJECT = 'rcv';
const REMOTE = `/srv/swarm-wiz/${PROJECT}`;
const SECRET = 'api_key';
const LETTERS = ['a', 'b'] as const;
let client: SandboxClient | undefined;
let dir = '';
/** The project in `dir` (the last test makes another). */
let project = PROJECT;

const c = (): SandboxClient => {
  if (!client) throw new Error('the sandbox did not come up');
  return client;
};

const api = (method: string, path: string, body?: unknown) => fakeApi(c(), method, path, body);
const swarmWiz = (args: string[], stdin?: string): Promise<Run> => c().swarmWiz(dir, args, stdin);
const apply = () => swarmWiz(['apply', '--yes', '--ca-cert', c().env.SANDBOX_CA_CERT!]);
const binding = (droplet: string) => bindingOf(c(), droplet);
const managerDocker = async (args: string[]) => runArgv('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${(await binding(`${PROJECT}-manager-1`)).dir}/docker.sock` }, timeout: 120_000 });
const served = () => Promise.all(LETTERS.map((letter) => servedSerialAt(c(), LOAD_BALANCER_IP, `${letter}.test`)));
const everySiteAnswers = async () => {
  for (const letter of LETTERS) await eventually(`https://${letter}.test/`, () => c().get(`https://${letter}.test/`), (reply) => reply.body === `site ${letter.toUpperCase()}`, 60);
};
/** The nodes the swarm lists, as `hostname status`, sorted. */
const swarmNodes = async () => (await managerDocker(['node', 'ls', '--format', '{{.Hostname}} {{.Status}}'])).stdout.trim().split('\n').sort();

/** Deletes a droplet through the API and waits until its machine is wiped (as gone as a deleted droplet). */
async function deleteDroplet(name: string): Promise<void> {
  const { dropletId } = await binding(name);
  expect((await api('DELETE', `/v2/droplets/${dropletId}`)).status).toBe(204);
  await eventually(`${name} gone from its machine`, () => c().bindings(), (bindings) => !bindings.some((b) => b.dropletId === dropletId), 60, 500);
}

/** Keeps the sites' backends off a node, so what is measured is the proxy layer, not a lost one-task backend. */
async function keepSitesOff(node: string): Promise<void> {
  for (const letter of LETTERS) expectOk(await managerDocker(['service', 'update', '--quiet', '--constraint-add', `node.hostname!=${node}`, `${PROJECT}_site-${letter}`]), `move site-${letter} off ${node}`);
  await everySiteAnswers();
}

beforeAll(async () => {
  requireTool('ip (iproute2)', ['ip', 'netns', 'list'], 'the sandbox');
  await up(DIR, 5);
  client = await sandboxClient(DIR);
}, 300_000);

afterAll(async () => {
  if (dir) await c().swarmWiz(dir, ['destroy', '--yes', '--confirm', project]).catch(() => undefined);
  await down(DIR);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 300_000);

describe('machines come back: apply rebuilds what was deleted in the panel', () => {
  it('a project with a declared secret: apply stops at the stack naming it; after secret set, apply serves every site behind the load balancer', async () => {
    const sites = siteConfig(LETTERS).map((site, i) => (i === 0 ? { ...site, service: { ...(site.service as object), secrets: [SECRET] } } : site));
    dir = await c().project({ project: PROJECT, managers: 1, workers: 2, topology: 'global-lb', sites });
    const first = await apply();
    expect(first.code).not.toBe(0);
    expect(first.stdout + first.stderr).toContain(`secret ${SECRET} is not set: run swarm-wiz secret set ${SECRET}`);
    expectOk(await swarmWiz(['secret', 'set', SECRET], 'first-value'), 'secret set');
    expectOk(await apply(), 'apply after secret set');
    await everySiteAnswers();
  }, 900_000);

  it('the support droplet deleted: status names it; apply brings it back saying what was lost; its crontab renews a certificate whose window was moved; the other serial never changes', async () => {
    const before = await served();
    await deleteDroplet(`${PROJECT}-support`);
    const check = await swarmWiz(['status', '--check', '--ca-cert', c().env.SANDBOX_CA_ROOT!]);
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(new RegExp(`support server ${PROJECT}-support`));
    const status = await swarmWiz(['status', '--ca-cert', c().env.SANDBOX_CA_ROOT!]);
    expect(status.stdout).toMatch(new RegExp(`${PROJECT}-support +support +no answer over SSH`));
    // And what the project costs a month: 4 droplets at the fake's price of s-1vcpu-2gb, and the load balancer.
    expect(status.stdout).toContain("Monthly cost: $60.00 (an estimate: the load balancer node's price is DigitalOcean's published one as of 2022-07-01)");

    const applied = await apply();
    expectOk(applied, 'apply after the support droplet was deleted');
    expect(applied.stdout).toContain(`${PROJECT}-support holds no copy of the project (its droplet was made again)`);
    expect(await served()).toEqual(before);
    const support = await binding(`${PROJECT}-support`);
    const there = (argv: string[], env: Record<string, string> = {}, timeoutMs = 60_000) => inMachine(c().info, support.machine, argv, { env: { ...CRON_JOB_ENV, ...env }, timeoutMs });

    // Its renewal state came with it: the stored certificates, and the crontab line that renews them.
    const storedSerial = async (domain: string) => (JSON.parse((await there(['cat', `${REMOTE}/.swarm-wiz/certs/${domain}/meta.json`])).stdout) as { serial: string }).serial;
    expect([await storedSerial('a.test'), await storedSerial('b.test')]).toEqual(before);
    // The copy carries this folder's renewal schedule, with the CA's Retry-After: moved into the past, as if it had passed.
    const metaPath = `${REMOTE}/.swarm-wiz/certs/a.test/meta.json`;
    const meta = JSON.parse((await there(['cat', metaPath])).stdout) as { ari?: { nextCheckAt: string } };
    expect(meta.ari?.nextCheckAt).toBeDefined();
    meta.ari!.nextCheckAt = new Date(Date.now() - 60_000).toISOString();
    expectOk(await there(['sh', '-c', `printf '%s' "$1" > "$2"`, 'sh', JSON.stringify(meta), metaPath]), 'the Retry-After passed');
    const chain = await readFile(join(dir, '.swarm-wiz', 'certs', 'a.test', 'fullchain.pem'), 'utf8');
    await setRenewalWindow(c().info, chain, { start: new Date(Date.now() - 2 * 3_600_000), end: new Date(Date.now() - 3_600_000) });
    const crontab = await there(['crontab', '-l']);
    expectOk(crontab, 'crontab -l on the new support droplet');
    const job = cronJob(crontab.stdout);
    const renewed = await there(['sh', '-c', job.command], job.env, 300_000);
    console.log(`sandbox recovery: the new support server's cron run: exit ${renewed.code}\n${renewed.stdout}${renewed.stderr}`);
    expectOk(renewed, "the new support server's cron run");
    expect(renewed.stdout).toContain('Certificates ordered and rolled out: a.test.');
    const after = await eventually('the renewed a.test served', () => served(), (serials) => serials[0] !== before[0], 30, 1000);
    expect(after[1]).toBe(before[1]);
  }, 900_000);

  it('a worker deleted: every domain keeps answering through the load balancer; apply replaces it and the swarm lists no dead node', async () => {
    const gone = `${PROJECT}-worker-1`;
    await keepSitesOff(gone);
    const serials = await served();
    const loop = requestLoop(c(), LETTERS.map((letter) => `https://${letter}.test/`));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const old = await binding(gone);
    await deleteDroplet(gone);
    const deletedAt = Date.now();
    // The load balancer drops the deleted droplet (its health check, or the droplet leaving its tag): until then a request may land on it, as on DigitalOcean.
    await eventually(`${gone} out of the load balancer`, () => loadBalancerStatus(DIR), (s) => !s.targets.some((t) => t.address === old.privateIp && t.healthy), 60, 200);
    const droppedAt = Date.now();
    await eventually(`${gone} down in the swarm`, () => swarmNodes(), (nodes) => nodes.includes(`${gone} Down`), 90, 1000);
    const applied = await apply();
    const appliedAt = Date.now();
    expectOk(applied, 'apply after a worker was deleted');
    // The dead node is removed before the new droplet joins under the same name.
    expect(applied.stdout).toMatch(new RegExp(`✔ swarm ${gone} \\(\\w+\\): removed[\\s\\S]*✔ swarm ${gone}: joined as a worker`));
    const fresh = await binding(gone);
    await eventually(`the new ${gone} healthy at the load balancer`, () => loadBalancerStatus(DIR), (s) => s.targets.find((t) => t.address === fresh.privateIp)?.healthy === true, 90);
    const outcomes = await loop.stop();
    const before = outcomes.filter((o) => o.at <= droppedAt);
    const after = outcomes.filter((o) => o.at > droppedAt);
    const failed = (list: typeof outcomes) => list.filter((o) => !o.ok);
    console.log(
      `sandbox recovery: worker deleted → dropped by the load balancer after ${((droppedAt - deletedAt) / 1000).toFixed(1)} s, apply done after ${((appliedAt - deletedAt) / 1000).toFixed(1)} s; ` +
        `requests through the load balancer: ${failed(before).length} of ${before.length} failed before the drop, ${failed(after).length} of ${after.length} after` +
        (failed(outcomes).length > 0 ? `: ${failed(outcomes).slice(0, 5).map((o) => `+${((o.at - deletedAt) / 1000).toFixed(1)} s ${o.url} ${o.error}`).join('; ')}` : ''),
    );
    expect(after.length).toBeGreaterThan(10);
    expect(failed(after)).toEqual([]);
    expect(await swarmNodes()).toEqual([`${PROJECT}-manager-1 Ready`, `${PROJECT}-worker-1 Ready`, `${PROJECT}-worker-2 Ready`]);
    await eventually(
      `the proxy running on the new ${gone}`,
      () => managerDocker(['service', 'ps', `${PROJECT}_proxy`, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}']),
      (proxies) => new RegExp(`${gone} Running`).test(proxies.stdout),
      60,
      1000,
    );
    expect(await served()).toEqual(serials);
  }, 900_000);

  it('the only manager deleted: the workers keep serving; apply makes a new swarm, says its secrets went with the old one and names the one to set again; after secret set, apply moves the workers over and runs the stack', async () => {
    const gone = `${PROJECT}-manager-1`;
    await keepSitesOff(gone);
    const loop = requestLoop(c(), LETTERS.map((letter) => `https://${letter}.test/`));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await deleteDroplet(gone);
    const rebuilt = await apply();
    console.log(`sandbox recovery: apply after the only manager was deleted: exit ${rebuilt.code} in ${(rebuilt.ms / 1000).toFixed(1)} s`);
    expect(rebuilt.stdout).toMatch(/! the swarm rcv ran in \(cluster \w+\) is gone: none of its managers is left, and its secrets and configs went with it/);
    expect(rebuilt.stdout + rebuilt.stderr).toContain(`secret ${SECRET} is not set: run swarm-wiz secret set ${SECRET}`);
    expect(rebuilt.code).not.toBe(0);
    // The new swarm has its manager only; the workers are still in the old one, serving.
    expect(await swarmNodes()).toEqual([`${PROJECT}-manager-1 Ready`]);
    expect((await managerDocker(['service', 'ls', '--format', '{{.Name}}'])).stdout.trim()).toBe('');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const beforeMove = Date.now();

    expectOk(await swarmWiz(['secret', 'set', SECRET], 'second-value'), 'secret set in the new swarm');
    const moved = await apply();
    if (moved.code !== 0) {
      // What each node's engine says, to tell a failed check from a failed move.
      for (const node of ['manager-1', 'worker-1', 'worker-2']) {
        const where = { ...process.env, DOCKER_HOST: `unix://${(await binding(`${PROJECT}-${node}`)).dir}/docker.sock` };
        const info = await runArgv('docker', ['info', '--format', '{{json .Swarm}}'], { env: where, timeout: 30_000 });
        const networks = await runArgv('docker', ['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'], { env: where, timeout: 30_000 });
        const log = (await readFile(join((await binding(`${PROJECT}-${node}`)).dir, 'dockerd.log'), 'utf8').catch(() => ''))
          .split('\n')
          .filter((line) => /level=(error|warning)/.test(line))
          .slice(-15)
          .join('\n');
        console.log(`sandbox recovery: ${node}: ${info.stdout.trim()}\n${networks.stdout}${log}`);
      }
    }
    expectOk(moved, 'apply once the secret is set again');
    expect(moved.stdout).toMatch(new RegExp(`✔ swarm ${PROJECT}-worker-1: left the old swarm, joined as a worker`));
    await everySiteAnswers();
    const outcomes = await loop.stop();
    const early = outcomes.filter((o) => o.at <= beforeMove);
    const late = outcomes.filter((o) => o.at > beforeMove);
    const lateFailed = late.filter((o) => !o.ok);
    const window = lateFailed.length > 0 ? ((lateFailed.at(-1)!.at - lateFailed[0]!.at) / 1000).toFixed(1) : '0';
    console.log(
      `sandbox recovery: only manager deleted: ${early.length} requests until the secret was set again, ${early.filter((o) => !o.ok).length} failed; ` +
        `while apply moved the workers to the new swarm: ${late.length} requests, ${lateFailed.length} failed over ${window} s`,
    );
    expect(early.length).toBeGreaterThan(10);
    expect(early.filter((o) => !o.ok)).toEqual([]);
    expect(await swarmNodes()).toEqual([`${PROJECT}-manager-1 Ready`, `${PROJECT}-worker-1 Ready`, `${PROJECT}-worker-2 Ready`]);
    const services = await managerDocker(['service', 'ls', '--format', '{{.Name}} {{.Replicas}}']);
    expect(services.stdout).toMatch(new RegExp(`${PROJECT}_site-a 1/1`));
    const status = await swarmWiz(['status', '--check', '--ca-cert', c().env.SANDBOX_CA_ROOT!]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
  }, 900_000);

  it('a manager of three deleted — the first, that made the swarm: the quorum holds, the site keeps answering, another manager leads, apply demotes and removes the dead one and the new droplet joins as a manager', async () => {
    expectOk(await swarmWiz(['destroy', '--yes', '--confirm', PROJECT]), `destroy ${PROJECT}`);
    await rm(dir, { recursive: true, force: true });
    await eventually('the machines are wiped and free', () => c().bindings(), (bindings) => bindings.length === 0, 60);
    const name = 'trio';
    project = name;
    dir = await c().project({ project: name, managers: 3, workers: 1, topology: 'dedicated', sites: siteConfig(['a']) });
    expectOk(await apply(), 'apply with three managers');
    await eventually('https://a.test/', () => c().get('https://a.test/'), (reply) => reply.body === 'site A', 60);
    const managersSeenBy = async (droplet: string) =>
      (await runArgv('docker', ['node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'], { env: { ...process.env, DOCKER_HOST: `unix://${(await binding(droplet)).dir}/docker.sock` }, timeout: 60_000 })).stdout
        .trim()
        .split('\n')
        .map((line) => line.trim().replace(/ (Leader|Reachable)$/, ' manager'))
        .sort();
    await deleteDroplet(`${name}-manager-1`);
    // The quorum holds: the two left still manage the swarm, and see the first one down.
    await eventually(`${name}-manager-1 down, seen by ${name}-manager-2`, () => managersSeenBy(`${name}-manager-2`), (lines) => lines.some((line) => line.startsWith(`${name}-manager-1 Down`)), 90, 1000);
    const applied = await apply();
    expectOk(applied, 'apply after the first of three managers was deleted');
    expect(applied.stdout).toMatch(new RegExp(`✔ swarm ${name}-manager-1 \\(\\w+\\): demoted and removed[\\s\\S]*✔ swarm ${name}-manager-1: joined as a manager`));
    expect(await managersSeenBy(`${name}-manager-1`)).toEqual([`${name}-manager-1 Ready manager`, `${name}-manager-2 Ready manager`, `${name}-manager-3 Ready manager`, `${name}-worker-1 Ready`]);
    await eventually('https://a.test/ after the replacement', () => c().get('https://a.test/'), (reply) => reply.body === 'site A', 60);
    const check = await swarmWiz(['status', '--check', '--ca-cert', c().env.SANDBOX_CA_ROOT!]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  }, 900_000);
});
