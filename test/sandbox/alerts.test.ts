import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, requireTool, runArgv } from '../peers/tools.js';
import { startReceiver, type AlertReceiver, type Received } from './alert-receiver.js';
import { OPERATOR_PUBLIC_IP } from './cluster.js';
import { down, up } from './sandbox-cli.js';
import { CRON_JOB_ENV, cronJob, expectOk, fakeApi, inMachine, sandboxClient, setRenewalWindow, siteConfig, type Run, type SandboxClient } from './sandbox-harness.js';

/**
 * Nobody has to watch (issue 19), in the sandbox: the webhook and heartbeat services listen on the
 * sandbox's "internet" (the operator's public address, which every droplet reaches); the support
 * server's own crontab command runs there with cron's environment; the CA refuses because a.test's A
 * record points nowhere; a worker's engine is stopped; the support droplet is deleted through the API.
 */
const DIR = `/tmp/swz-sandbox-alerts-${process.pid}`;
const PROJECT = 'alr';
const REMOTE = `/srv/swarm-wiz/${PROJECT}`;
let client: SandboxClient | undefined;
let receiver: AlertReceiver | undefined;
/** Every output of every command this test ran: none may hold a URL's secret part. */
const outputs: string[] = [];

const c = (): SandboxClient => {
  if (!client) throw new Error('the sandbox did not come up');
  return client;
};
const r = (): AlertReceiver => {
  if (!receiver) throw new Error('the receiver did not start');
  return receiver;
};

async function swarmWiz(dir: string, args: string[]): Promise<Run> {
  const run = await c().swarmWiz(dir, args);
  outputs.push(run.stdout, run.stderr);
  return run;
}

const api = (method: string, path: string, body?: unknown) => fakeApi(c(), method, path, body);

/** Points a domain's apex A record elsewhere (delete + create: the API has no update in our fake); returns the address it had. */
async function pointApex(domain: string, address: string): Promise<string> {
  const listed = await api('GET', `/v2/domains/${domain}/records?type=A`);
  const records = (listed.json.domain_records as { id: number; name: string; data: string }[]).filter((record) => record.name === '@');
  expect(records.length, JSON.stringify(listed.json)).toBeGreaterThan(0);
  for (const record of records) expect((await api('DELETE', `/v2/domains/${domain}/records/${record.id}`)).status).toBe(204);
  expect((await api('POST', `/v2/domains/${domain}/records`, { type: 'A', name: '@', data: address, ttl: 30 })).status).toBe(201);
  return records[0]!.data;
}

beforeAll(async () => {
  requireTool('ip (iproute2)', ['ip', 'netns', 'list'], 'the sandbox');
  await up(DIR, 3);
  client = await sandboxClient(DIR);
  receiver = await startReceiver(c().info, DIR, OPERATOR_PUBLIC_IP, 8099);
}, 300_000);

afterAll(async () => {
  await receiver?.stop();
  await down(DIR);
}, 180_000);

describe('alerts and the heartbeat from the support server', () => {
  it('every format once; each problem once, again after the quiet period, resolved once; a node down and a service below desired once; the heartbeat stops with the support server; no URL leaks; logs of a backend and the proxy', async () => {
    const dir = await c().project({ project: PROJECT, managers: 1, workers: 1, topology: 'manager', sites: siteConfig(['a', 'b']) });
    const applied = await swarmWiz(dir, ['apply', '--yes', '--ca-cert', c().env.SANDBOX_CA_CERT!]);
    expectOk(applied, 'apply');
    for (const letter of ['a', 'b']) await eventually(`https://${letter}.test/`, () => c().get(`https://${letter}.test/`), (reply) => reply.ok, 30);

    // logs, from the operator through the manager: a backend's own lines, and the proxy's access line of a request just made, with its upstream and time.
    const marker = `/logs-check-${Date.now()}`;
    await c().get(`https://a.test${marker}`);
    const backendLog = await eventually('site-a has logged the request', () => swarmWiz(dir, ['logs', 'site-a', '--tail', '5']), (run) => run.code === 0 && run.stdout.includes('response:'), 30, 1000);
    expect(backendLog.stdout.trim().split('\n').length).toBeLessThanOrEqual(5);
    expect(backendLog.stdout).toMatch(new RegExp(`^${PROJECT}_site-a\\.1\\.\\w+@${PROJECT}-\\S+ +\\| `, 'm'));
    const proxyLog = await eventually('the proxy has logged the request', () => swarmWiz(dir, ['logs', 'proxy', '--tail', '50']), (run) => run.code === 0 && run.stdout.includes(marker), 30, 1000);
    const access = proxyLog.stdout.split('\n').find((line) => line.includes(marker))!;
    console.log(`sandbox alerts: the proxy's access line: ${access}`);
    expect(access).toMatch(/"a\.test" "GET \/logs-check-\d+ HTTP\/[\d.]+" \d{3} \d+ upstream=\d+\.\d+\.\d+\.\d+:5000 upstream_time=\d+\.\d{3} request_time=\d+\.\d{3}/);
    const unknown = await swarmWiz(dir, ['logs', 'nope']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('"nope" is not a service of alr (one of proxy, site-a, site-b)')]);
    const bindings = await c().bindings();
    const support = bindings.find((b) => b.droplet === `${PROJECT}-support`)!;
    const worker = bindings.find((b) => b.droplet === `${PROJECT}-worker-1`)!;
    const manager = bindings.find((b) => b.droplet === `${PROJECT}-manager-1`)!;
    const there = (argv: string[], env: Record<string, string> = {}, timeoutMs = 60_000) => inMachine(c().info, support.machine, argv, { env: { ...CRON_JOB_ENV, ...env }, timeoutMs });

    // Secret parts of the URLs: a token per format and the heartbeat's id.
    const token = (name: string) => `${name}-${Math.random().toString(36).slice(2, 10)}${Math.random().toString(36).slice(2, 10)}`;
    const secrets = { slack: token('slk'), discord: token('dsc'), ntfy: token('nfy'), json: token('jsn'), ping: token('png') };
    const base = r().base;
    const urls = {
      slack: `${base}/services/T0A/B0B/${secrets.slack}`,
      discord: `${base}/api/webhooks/123/${secrets.discord}`,
      ntfy: `${base}/${secrets.ntfy}`,
      json: `${base}/hook/${secrets.json}`,
      ping: `${base}/ping/${secrets.ping}`,
    };
    const received = async (secret: string): Promise<Received[]> => (await r().requests()).filter((request) => request.path.includes(secret));

    // Every format: alerts test sends one message per format, shaped as that service documents it.
    const heartbeat = await swarmWiz(dir, ['alerts', 'set', '--heartbeat', urls.ping]);
    expectOk(heartbeat, 'alerts set --heartbeat');
    expect(heartbeat.stdout).toContain(`Copied to the support server ${PROJECT}-support`);
    for (const format of ['slack', 'discord', 'ntfy', 'json'] as const) {
      expectOk(await swarmWiz(dir, ['alerts', 'set', '--webhook', urls[format], '--format', format]), `alerts set --format ${format}`);
      const tested = await swarmWiz(dir, ['alerts', 'test']);
      expectOk(tested, `alerts test (${format})`);
      const got = await received(secrets[format]);
      expect(got, format).toHaveLength(1);
      const [message] = got;
      expect(message!.method).toBe('POST');
      if (format === 'slack') {
        const body = JSON.parse(message!.body) as { text: string; blocks: { type: string; text: { type: string; text: string } }[] };
        expect(body.text).toContain(PROJECT);
        expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: expect.any(String) } });
      } else if (format === 'discord') {
        const body = JSON.parse(message!.body) as { content: string; embeds: { description?: string }[]; allowed_mentions: { parse: string[] } };
        expect(body.content.length).toBeGreaterThan(0);
        expect(body.content.length).toBeLessThanOrEqual(2000);
        expect(Array.isArray(body.embeds)).toBe(true);
        expect(body.allowed_mentions).toEqual({ parse: [] });
      } else if (format === 'ntfy') {
        expect(message!.headers['content-type'] ?? 'text/plain').not.toContain('json');
        expect(message!.body).toContain(PROJECT);
        expect(message!.headers.title).toBeTruthy();
        expect(message!.headers.priority).toBeTruthy();
      } else {
        expect(message!.headers['content-type']).toContain('application/json');
        expect(JSON.parse(message!.body)).toMatchObject({ project: PROJECT, event: 'test' });
      }
    }
    expect(await received(secrets.ping)).toHaveLength(4);
    const listed = await swarmWiz(dir, ['alerts', 'ls']);
    expectOk(listed, 'alerts ls');
    expect(listed.stdout).toMatch(/webhook: http:\/\/203\.0\.113\.2:8099\/.*… \(json\)/);

    // The support server's own crontab command, with cron's environment.
    const crontab = await there(['crontab', '-l']);
    expectOk(crontab, 'crontab -l');
    outputs.push(crontab.stdout);
    const job = cronJob(crontab.stdout);
    expect(job.command).toContain('status --check --alert');
    const cron = async (what: string) => {
      const run = await there(['sh', '-c', job.command], job.env, 300_000);
      outputs.push(run.stdout, run.stderr);
      console.log(`sandbox alerts: cron run (${what}): exit ${run.code}; ${run.stdout.trim().split('\n').length} line(s)`);
      return run;
    };
    type Sent = { event: string; key?: string; text: string; severity?: string };
    const webhookMessages = async (): Promise<Sent[]> => (await received(secrets.json)).slice(1).map((request) => JSON.parse(request.body) as Sent);
    const pings = async () => (await received(secrets.ping)).length;

    let pinged = await pings();

    // The CA refuses a.test: its name points nowhere when Pebble validates. Its window is moved into the
    // past before the support server ever asked for it (a renew keeps the window it read until the CA's
    // Retry-After), so the first cron run finds it due.
    const storedSerial = async (domain: string) => (JSON.parse((await there(['cat', `${REMOTE}/.swarm-wiz/certs/${domain}/meta.json`])).stdout) as { serial: string }).serial;
    const before = { a: await storedSerial('a.test'), b: await storedSerial('b.test') };
    const chain = await readFile(join(dir, '.swarm-wiz', 'certs', 'a.test', 'fullchain.pem'), 'utf8');
    await setRenewalWindow(c().info, chain, { start: new Date(Date.now() - 2 * 3_600_000), end: new Date(Date.now() - 3_600_000) });
    const apex = await pointApex('a.test', '127.0.0.1');
    const failing = await cron('the CA refuses a.test');
    expect(failing.code, failing.stdout + failing.stderr).not.toBe(0);
    let messages = await webhookMessages();
    expect(messages, JSON.stringify(messages)).toHaveLength(1);
    expect(messages[0]).toMatchObject({ event: 'problem', key: 'cert:a.test:renewal-failed' });
    expect(messages[0]!.text).toMatch(/a\.test.*renewal failed/);
    console.log(`sandbox alerts: the renewal failure as alerted: ${messages[0]!.text}`);
    expect(await pings()).toBe(pinged + 1);
    for (const run of ['again', 'and again']) await cron(`the CA still refuses (${run})`);
    expect(await webhookMessages()).toHaveLength(1);

    // Past the quiet period (the memory's clock moved 13 hours back, as if they had passed): sent again.
    const memoryPath = `${REMOTE}/.swarm-wiz/alerts-sent.json`;
    const memory = JSON.parse((await there(['cat', memoryPath])).stdout) as { problems: Record<string, { sentAt?: string }> };
    for (const entry of Object.values(memory.problems)) if (entry.sentAt) entry.sentAt = new Date(Date.parse(entry.sentAt) - 13 * 3_600_000).toISOString();
    expectOk(await there(['sh', '-c', `printf '%s' "$1" > "$2"`, 'sh', JSON.stringify(memory), memoryPath]), 'aging the memory');
    await cron('past the quiet period');
    messages = await webhookMessages();
    expect(messages.map((m) => [m.event, m.key])).toEqual([
      ['problem', 'cert:a.test:renewal-failed'],
      ['problem', 'cert:a.test:renewal-failed'],
    ]);

    // The name is fixed; once the back-off the failure started has passed, the next run renews exactly a.test and says "resolved".
    await pointApex('a.test', apex);
    const state = JSON.parse((await there(['cat', `${REMOTE}/.swarm-wiz/state.json`])).stdout) as { certificates?: { attempts?: Record<string, { nextAttemptAt?: string }> } };
    const next = Date.parse(state.certificates?.attempts?.['a.test']?.nextAttemptAt ?? new Date().toISOString());
    const wait = next - Date.now() + 2000;
    expect(wait).toBeLessThan(5 * 60_000);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const renewed = await cron('the CA answers again');
    expectOk(renewed, 'the cron job once the CA answers');
    // All well again: renew says what it rolled out, status --check nothing; the heartbeat pinged after every run.
    expect(renewed.stdout.trim().split('\n').at(-1)).toBe('Certificates ordered and rolled out: a.test.');
    expect(await pings()).toBe(pinged + 5);
    messages = await webhookMessages();
    expect(messages.slice(2).map((m) => [m.event, m.key])).toEqual([['resolved', 'cert:a.test:renewal-failed']]);
    expect(await storedSerial('a.test')).not.toBe(before.a);
    expect(await storedSerial('b.test')).toBe(before.b);

    // A node down: b.test's backend is kept on the worker, whose engine then stops.
    const managerDocker = (args: string[]) => runArgv('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${manager.dir}/docker.sock` }, timeout: 120_000 });
    expectOk(await managerDocker(['service', 'update', '--quiet', '--constraint-add', `node.hostname==${worker.droplet}`, `${PROJECT}_site-b`]), 'pin site-b to the worker');
    process.kill(Number((await readFile(join(worker.dir, 'dockerd.pid'), 'utf8')).trim()), 'SIGTERM');
    await eventually('the worker down in the swarm', () => managerDocker(['node', 'ls', '--format', '{{.Hostname}} {{.Status}}']), (run) => run.stdout.includes(`${worker.droplet} Down`), 90, 1000);
    // Swarm (20.10) keeps counting b's task running on the down node: status must not.
    const seen = await managerDocker(['service', 'ps', '--format', '{{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}}', `${PROJECT}_site-b`]);
    const counted = await managerDocker(['service', 'ls', '--format', '{{.Name}} {{.Replicas}}']);
    console.log(`sandbox alerts: with ${worker.droplet} down, the manager says:\n${seen.stdout}${counted.stdout}`);
    const nodeDown = await cron('a worker down');
    console.log(`sandbox alerts: the cron run said:\n${nodeDown.stdout}${nodeDown.stderr}`);
    expect(nodeDown.stdout).toContain(worker.droplet);
    // The renewal goes on without the worker: it carries no proxy here (the manager does).
    expect(nodeDown.stdout + nodeDown.stderr).not.toContain('reading the nodes failed');
    expect(nodeDown.stdout.trim().split('\n').sort()).toEqual([expect.stringMatching(/^node alr-worker-1 \(worker\): down/), expect.stringMatching(/^service site-b: 0\/1 running/)]);
    messages = await webhookMessages();
    const fresh = messages.slice(3).map((m) => m.key).sort();
    expect(fresh).toEqual([`node:${worker.droplet}:down`, 'service:site-b:below-desired']);
    await cron('the worker still down');
    expect(await webhookMessages()).toHaveLength(messages.length);

    // The support droplet deleted through the API: the pings stop, and status --check from the operator names it.
    pinged = await pings();
    expect((await api('DELETE', `/v2/droplets/${support.dropletId}`)).status).toBe(204);
    const check = await swarmWiz(dir, ['status', '--check', '--ca-cert', c().env.SANDBOX_CA_ROOT!]);
    expect(check.code).toBe(2);
    expect(check.stdout).toContain(`${PROJECT}-support`);
    expect(await pings()).toBe(pinged);

    // No URL leaks: not in any output, not in any file of the project outside .swarm-wiz.
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile() && !join(entry.parentPath, entry.name).includes('/.swarm-wiz/'));
    const texts = [...outputs, ...(await Promise.all(files.map((entry) => readFile(join(entry.parentPath, entry.name), 'utf8'))))];
    const hits = Object.values(secrets).flatMap((secret) => texts.filter((text) => text.includes(secret)).map(() => secret));
    console.log(`sandbox alerts: ${Object.keys(secrets).length} secret URLs searched in ${outputs.length} outputs and ${files.length} files: ${hits.length} hits`);
    expect(hits).toEqual([]);

    expectOk(await swarmWiz(dir, ['destroy', '--yes', '--confirm', PROJECT]), 'destroy');
    await rm(dir, { recursive: true, force: true });
  }, 900_000);
});
