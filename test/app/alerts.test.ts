import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertOnCheck, alertsList, alertsRemove, alertsSet, alertsTest, type AlertsIo } from '../../src/app/alerts.js';
import { UsageError } from '../../src/app/errors.js';
import type { HttpRequest } from '../../src/alerts/messages.js';
import { filesUnder, tempDir } from '../support/files.js';

const SLACK = 'https://hooks.slack.com/services/T0001/B0002/sEcReTtOkEn123';
const PING = 'https://hc-ping.com/5f1e2d3c-aaaa-bbbb-cccc-0123456789ab';
const HOUR = 3_600_000;

/** Every request the use case makes, answered ok (or not, while `down`). */
function recorder() {
  const sent: { request: HttpRequest; shown: string }[] = [];
  const state = { down: false };
  const io: AlertsIo = {
    send: (request, shown) => {
      sent.push({ request, shown });
      return Promise.resolve(state.down ? { ok: false as const, reason: `${shown}: connection refused` } : { ok: true as const, status: 200 });
    },
  };
  return { sent, state, io };
}

const problem = (key: string, severity: 'warning' | 'critical' = 'warning') => ({ key, severity, line: `${key.split(':')[1]}: something is wrong` });
const bodies = (sent: { request: HttpRequest }[]) => sent.filter((s) => s.request.method === 'POST').map((s) => JSON.parse(s.request.body!) as { text: string });

describe('alerts set / ls / rm: the URLs are secrets', () => {
  it('stores both URLs 0600 in .swarm-wiz, guesses the format, shows them masked, and rm keeps an emptied file', async () => {
    const dir = await tempDir('alerts');
    const change = await alertsSet({ dir, project: 'demo', webhook: SLACK, heartbeat: PING });
    expect(change.support).toEqual({ none: true });
    expect(change.destinations).toEqual([
      { what: 'webhook', url: expect.stringMatching(/^https:\/\/hooks\.slack\.com\/.*…$/), format: 'slack' },
      { what: 'heartbeat', url: expect.stringMatching(/^https:\/\/hc-ping\.com\/…$/) },
    ]);
    expect(JSON.stringify(change)).not.toContain('sEcReT');
    expect(JSON.stringify(change)).not.toContain('5f1e2d3c');
    expect(await filesUnder(dir)).toEqual(['.swarm-wiz/alerts.json']);
    expect((await stat(join(dir, '.swarm-wiz/alerts.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, '.swarm-wiz'))).mode & 0o777).toBe(0o700);
    expect(await alertsList({ dir })).toEqual(change.destinations);

    const removed = await alertsRemove({ dir, project: 'demo', webhook: true, heartbeat: false });
    expect(removed.destinations.map((d) => d.what)).toEqual(['heartbeat']);
    const emptied = await alertsRemove({ dir, project: 'demo', webhook: false, heartbeat: false });
    expect(emptied.destinations).toEqual([]);
    expect(await filesUnder(dir)).toEqual(['.swarm-wiz/alerts.json']);
    expect(await readFile(join(dir, '.swarm-wiz/alerts.json'), 'utf8')).not.toContain('hc-ping');
  });

  it.each([
    [{ webhook: 'ftp://hooks.example/x?token=sEcReT' }, '--webhook'],
    [{ heartbeat: 'https://user:sEcReT@hc-ping.com/x' }, '--heartbeat'],
    [{ webhook: 'not a url sEcReT' }, '--webhook'],
  ])('a bad URL (%o) is a UsageError naming %s, never echoing the URL, and writes nothing', async (given, field) => {
    const dir = await tempDir('alerts-bad');
    const error = await alertsSet({ dir, project: 'demo', ...given }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(field);
    expect((error as Error).message).not.toContain('sEcReT');
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('refuses a format that is none, a format without a webhook, and a set without a URL', async () => {
    const dir = await tempDir('alerts-format');
    await expect(alertsSet({ dir, project: 'demo', webhook: SLACK, format: 'teams' })).rejects.toThrow('--format "teams" is not a format (one of slack, discord, ntfy, json)');
    await expect(alertsSet({ dir, project: 'demo', heartbeat: PING, format: 'slack' })).rejects.toBeInstanceOf(UsageError);
    await expect(alertsSet({ dir, project: 'demo' })).rejects.toBeInstanceOf(UsageError);
    expect(await filesUnder(dir)).toEqual([]);
  });
});

describe('alerts test', () => {
  it('one message to the webhook and one ping; a failure is reported masked', async () => {
    const dir = await tempDir('alerts-test');
    await alertsSet({ dir, project: 'demo', webhook: SLACK, heartbeat: PING });
    const { sent, io, state } = recorder();
    expect((await alertsTest({ dir, project: 'demo' }, io)).map((d) => [d.what, d.ok])).toEqual([['webhook', true], ['heartbeat', true]]);
    expect(sent.map((s) => [s.request.method, s.request.url])).toEqual([['POST', SLACK], ['GET', PING]]);
    expect(bodies(sent)[0]!.text).toContain('test');
    state.down = true;
    const failed = await alertsTest({ dir, project: 'demo' }, io);
    expect(failed.every((d) => !d.ok && !JSON.stringify(d).includes('sEcReT'))).toBe(true);
  });

  it('without alerts set: a UsageError saying how to set them', async () => {
    await expect(alertsTest({ dir: await tempDir('alerts-none'), project: 'demo' })).rejects.toThrow(/alerts set --webhook URL/);
  });
});

describe('the cron run: each problem once, again after the quiet period, resolved once; the heartbeat after runs with nothing critical', () => {
  it('follows one problem through its life with an injected clock', async () => {
    const dir = await tempDir('alerts-run');
    await alertsSet({ dir, project: 'demo', webhook: SLACK, heartbeat: PING });
    const { sent, io, state } = recorder();
    const t0 = Date.parse('2026-12-06T03:00:00Z');
    const run = (problems: ReturnType<typeof problem>[], at: number) => alertOnCheck({ dir, project: 'demo', problems, critical: problems.some((p) => p.severity === 'critical'), now: new Date(at) }, io);
    const posts = () => bodies(sent).map((b) => b.text);
    const pings = () => sent.filter((s) => s.request.method === 'GET').length;

    await run([], t0);
    expect([posts(), pings()]).toEqual([[], 1]);

    const renewal = problem('cert:a.test:renewal-failed');
    await run([renewal], t0 + HOUR);
    await run([renewal], t0 + 2 * HOUR);
    await run([renewal], t0 + 3 * HOUR);
    expect(posts()).toEqual([expect.stringContaining('a.test: something is wrong')]);
    expect(pings()).toBe(4);

    // Past the quiet period (12 h after it was sent): again.
    await run([renewal], t0 + 14 * HOUR);
    expect(posts()).toHaveLength(2);

    // Critical: sent at once, and no heartbeat for that run.
    const down = problem('node:demo-worker-1:down', 'critical');
    await run([renewal, down], t0 + 15 * HOUR);
    expect(posts()).toHaveLength(3);
    expect(posts()[2]).toMatch(/CRITICAL/);
    expect(pings()).toBe(5);

    // The webhook is down: nothing is marked sent; the next run sends the resolved messages.
    state.down = true;
    const failed = await run([], t0 + 16 * HOUR);
    expect(failed.deliveries.map((d) => [d.what, d.ok])).toEqual([['webhook', false], ['heartbeat', false]]);
    expect(JSON.stringify(failed)).not.toContain('sEcReT');
    state.down = false;
    const before = posts().length;
    await run([], t0 + 17 * HOUR);
    const resolved = posts().slice(before);
    expect(resolved).toHaveLength(2);
    expect(resolved.every((text) => /resolved/.test(text))).toBe(true);
    await run([], t0 + 18 * HOUR);
    expect(posts()).toHaveLength(before + 2);
    expect((await stat(join(dir, '.swarm-wiz/alerts-sent.json'))).mode & 0o777).toBe(0o600);
  });

  it('a corrupt memory file starts again (said), and without alerts set nothing is sent or written', async () => {
    const dir = await tempDir('alerts-memory');
    const { sent, io } = recorder();
    expect(await alertOnCheck({ dir, project: 'demo', problems: [problem('cert:a.test:expired', 'critical')], critical: true }, io)).toEqual({ events: [], deliveries: [] });
    expect(sent).toEqual([]);
    expect(await filesUnder(dir)).toEqual([]);

    await alertsSet({ dir, project: 'demo', webhook: SLACK });
    await writeFile(join(dir, '.swarm-wiz/alerts-sent.json'), '{ not json');
    const outcome = await alertOnCheck({ dir, project: 'demo', problems: [problem('cert:a.test:expired', 'critical')], critical: true }, io);
    expect(outcome.memoryReset).toBeTruthy();
    expect(bodies(sent)).toHaveLength(1);
  });
});
