import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configToYaml } from '../../src/config/index.js';
import { loadState } from '../../src/state/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean, type RecordedRequest } from '../fake-do/index.js';
import { startSwarmWiz, type Finished } from '../support/cli.js';
import { holdings, projectDir, seedConfig, writes } from './provision-helpers.js';

const config = seedConfig({ workers: 3 });

let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 400 });
});
afterEach(async () => {
  await fake.stop();
});

/**
 * Runs `swarm-wiz apply --yes` as a real process; `interruptWhen` is checked on the fake's request
 * log every 5 ms, then `signal` is sent (`times` of them, 300 ms apart).
 */
function applyProcess(dir: string, interruptWhen?: (requests: RecordedRequest[]) => boolean, times = 1, signal: NodeJS.Signals = 'SIGINT'): Promise<Finished> {
  const child = startSwarmWiz(['apply', '--config', join(dir, 'swarm-wiz.yaml'), '--dir', dir, '--yes', '--cloud-only'], {
    env: { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url },
  });
  let watcher: NodeJS.Timeout | undefined;
  if (interruptWhen) {
    watcher = setInterval(() => {
      if (interruptWhen(fake.requests)) {
        clearInterval(watcher);
        child.kill(signal);
        for (let n = 1; n < times; n += 1) setTimeout(() => child.kill(signal), 300 * n);
      }
    }, 5);
  }
  return child.done.finally(() => clearInterval(watcher));
}

const answered = (method: string, path: string) => (requests: RecordedRequest[]) => requests.some((r) => r.method === method && r.path === path && r.status > 0);
const arrived = (method: string, path: string) => (requests: RecordedRequest[]) => requests.some((r) => r.method === method && r.path === path);
/** True from `ms` after the bulk create was answered: the process is then between two polls (3 s apart). */
const sinceCreated = (ms: number) => {
  let createdAt: number | undefined;
  return (requests: RecordedRequest[]) => {
    if (createdAt === undefined && requests.some((r) => r.method === 'POST' && r.path === '/v2/droplets' && r.status > 0)) createdAt = Date.now();
    return createdAt !== undefined && Date.now() - createdAt >= ms;
  };
};

const POINTS: [string, (requests: RecordedRequest[]) => boolean, boolean][] = [
  ['once the VPC exists', answered('POST', '/v2/vpcs'), false],
  ['while the bulk create request is in flight', arrived('POST', '/v2/droplets'), true],
  ['while waiting for the droplets to boot', sinceCreated(1000), false],
  ['while creating the firewalls', arrived('POST', '/v2/firewalls'), false],
];

describe('Ctrl-C (SIGINT to the real process) during apply, then apply again', () => {
  it.each(POINTS)('interrupted %s: exits 130 saying to resume; the rerun leaves exactly the expected droplets', async (_, when, slowCreate) => {
    const dir = await projectDir();
    await writeFile(join(dir, 'swarm-wiz.yaml'), configToYaml(config));
    if (slowCreate) fake.faults.next({ method: 'POST', path: '/v2/droplets', latencyMs: 600 });
    const first = await applyProcess(dir, when);
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain('Run apply again to resume.');
    // Whatever exists at the moment of the interruption is in the state file.
    const state = await loadState(dir, 'demo');
    expect(state.cloud.droplets.map((d) => d.id).sort()).toEqual(fake.state.droplets.map((d) => d.id).sort());
    if (slowCreate) expect(fake.state.droplets.length).toBeGreaterThan(0);

    const second = await applyProcess(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(holdings(fake).droplets.map((d) => d.name)).toEqual(['demo-manager-1', 'demo-support', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    expect(holdings(fake)).toMatchObject({ vpcs: ['demo-vpc'], firewalls: ['demo-edge', 'demo-internal'] });
    expect(fake.state.sshKeys).toHaveLength(1);
    fake.assertNoViolations();

    const before = fake.requests.length;
    const third = await applyProcess(dir);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('nothing changed');
    expect(writes(fake, before)).toEqual([]);
    expect(`${first.stdout}${first.stderr}${second.stdout}${second.stderr}`).not.toContain(fake.token);
  }, 120_000);
});

describe('a second Ctrl-C', () => {
  it('quits at once even with a request in flight; the droplets that request creates are adopted by tag on the rerun', async () => {
    const dir = await projectDir();
    await writeFile(join(dir, 'swarm-wiz.yaml'), configToYaml(config));
    // Every bulk create takes 2.5 s to be answered, and the droplets come into being at the end of it.
    fake.faults.next({ method: 'POST', path: '/v2/droplets', latencyMs: 2500, times: 3 });
    const first = await applyProcess(dir, arrived('POST', '/v2/droplets'), 2);
    expect(first.code).toBe(130);
    expect(first.stderr).toContain('Stopped at once (second Ctrl-C). Run apply again');
    expect((await loadState(dir, 'demo')).cloud.droplets).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(fake.state.droplets).toHaveLength(5);

    const second = await applyProcess(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(holdings(fake).droplets.map((d) => d.name)).toEqual(['demo-manager-1', 'demo-support', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    expect((await loadState(dir, 'demo')).cloud.droplets).toHaveLength(5);
    fake.assertNoViolations();
  }, 120_000);
});

describe('SIGTERM (a service manager stopping swarm-wiz) during apply', () => {
  it('is handled like the first Ctrl-C: the create in flight finishes and is recorded, the resume line is printed, exit 143; the rerun finishes', async () => {
    const dir = await projectDir();
    await writeFile(join(dir, 'swarm-wiz.yaml'), configToYaml(config));
    fake.faults.next({ method: 'POST', path: '/v2/droplets', latencyMs: 600 });
    const first = await applyProcess(dir, arrived('POST', '/v2/droplets'), 1, 'SIGTERM');
    expect(first.code, first.stderr).toBe(143);
    expect(first.stderr).toContain('Interrupted: every resource created so far is recorded in .swarm-wiz/state.json. Run apply again to resume.');
    expect(fake.state.droplets.length).toBeGreaterThan(0);
    expect((await loadState(dir, 'demo')).cloud.droplets.map((d) => d.id).sort()).toEqual(fake.state.droplets.map((d) => d.id).sort());

    const second = await applyProcess(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(holdings(fake).droplets.map((d) => d.name)).toEqual(['demo-manager-1', 'demo-support', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    fake.assertNoViolations();
  }, 120_000);
});

describe('SIGTERM while a request hangs (the API never answers it)', () => {
  it('exits 143 within 2 s, the state naming the request in flight; the rerun adopts what that request created and clears it', async () => {
    const dir = await projectDir();
    await writeFile(join(dir, 'swarm-wiz.yaml'), configToYaml(config));
    // The bulk create takes effect, but its answer never comes.
    fake.faults.next({ method: 'POST', path: '/v2/droplets', hang: true, afterEffect: true });
    let signalledAt = 0;
    const hung = (requests: RecordedRequest[]) => {
      const now = arrived('POST', '/v2/droplets')(requests);
      if (now && signalledAt === 0) signalledAt = Date.now();
      return now;
    };
    const first = await applyProcess(dir, hung, 1, 'SIGTERM');
    const exitedAfterMs = Date.now() - signalledAt;
    console.log(`SIGTERM during a hung POST /v2/droplets: exited ${exitedAfterMs} ms after the signal`);
    expect(first.code, first.stderr).toBe(143);
    expect(exitedAfterMs, first.stderr).toBeLessThan(2000);
    expect(first.stderr).toContain('Run apply again to resume.');
    const recorded = (await loadState(dir, 'demo')) as { interrupted?: { at: string; requests: string[] } };
    expect(recorded.interrupted?.requests).toEqual([expect.stringMatching(/^POST \/v2\/droplets\b/)]);

    const second = await applyProcess(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(holdings(fake).droplets.map((d) => d.name)).toEqual(['demo-manager-1', 'demo-support', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    expect((await loadState(dir, 'demo')) as { interrupted?: unknown }).not.toHaveProperty('interrupted');
    fake.assertNoViolations();
  }, 120_000);
});
