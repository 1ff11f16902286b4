import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApply, runDestroy } from '../../src/app/index.js';
import { StepFailed, type ApplyEvent } from '../../src/run/index.js';
import { loadState } from '../../src/state/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { collect, FAST, holdings, projectDir, seedConfig, writes } from './provision-helpers.js';

let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 20 });
});
afterEach(async () => {
  await fake.stop();
});

const config = seedConfig();
const failureOf = async (promise: Promise<unknown>): Promise<StepFailed> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepFailed);
  return error as StepFailed;
};

describe('faults injected into the fake DigitalOcean', () => {
  it('401: stops at the token check, one request, nothing created, says how to fix the token', async () => {
    const dir = await projectDir();
    const { events, onEvent } = collect();
    const failure = await failureOf(runApply({ config, dir, token: 'dop_v1_wrong', apiUrl: fake.url, onEvent, timing: FAST }));
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /v2/account 401']);
    expect(failure.reason.message).toContain('checking the DigitalOcean account failed: DigitalOcean GET /v2/account answered HTTP 401');
    expect(failure.reason.hint).toMatch(/token.*DIGITALOCEAN_TOKEN/);
    expect(events.find((e) => e.type === 'step-failed')).toMatchObject({ stepId: 'account' });
    expect(fake.state.droplets).toEqual([]);
  });

  it('401 in the middle (token revoked): the step that failed is named, not retried', async () => {
    const dir = await projectDir();
    fake.faults.next({ method: 'POST', path: '/v2/vpcs', status: 401 });
    const failure = await failureOf(runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST }));
    expect(failure.stepId).toBe('vpc:demo-vpc');
    expect(failure.reason.message).toMatch(/^creating VPC demo-vpc failed: DigitalOcean POST \/v2\/vpcs answered HTTP 401/);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/vpcs')).toHaveLength(1);
    expect(fake.state.droplets).toEqual([]);
  });

  it('429 with Retry-After: waits as told, retries, and finishes', async () => {
    const dir = await projectDir();
    fake.faults.next({ method: 'POST', path: '/v2/droplets', status: 429, retryAfter: 1 });
    const { events, onEvent } = collect();
    const started = Date.now();
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url, onEvent, timing: FAST });
    const retry = events.find((e): e is Extract<ApplyEvent, { type: 'retrying' }> => e.type === 'retrying')!;
    expect(retry).toMatchObject({ what: 'POST /v2/droplets', attempt: 1, delayMs: 1000, reason: 'HTTP 429 (rate-limited)' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(holdings(fake).droplets).toHaveLength(5);
    fake.assertNoViolations();
  });

  it('5xx on a create and on a list: retried with backoff, then finishes', async () => {
    const dir = await projectDir();
    fake.faults.next({ method: 'POST', path: '/v2/firewalls', status: 503 });
    fake.faults.next({ method: 'GET', path: '/v2/droplets', status: 500 });
    const { events, onEvent } = collect();
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url, onEvent, timing: FAST });
    const retries = events.filter((e) => e.type === 'retrying').map((e) => (e as { what: string }).what.split('?')[0]);
    expect(retries.sort()).toEqual(['GET /v2/droplets', 'POST /v2/firewalls']);
    expect(fake.state.firewalls).toHaveLength(2);
    expect(holdings(fake)).toMatchObject({ firewalls: ['demo-edge', 'demo-internal'] });
    expect(holdings(fake).droplets).toHaveLength(5);
  });

  it('5xx that does not go away: fails naming the step and the attempts, and apply again finishes', async () => {
    const dir = await projectDir();
    fake.faults.next({ method: 'POST', path: '/v2/load_balancers', status: 500, times: 10 });
    const lb = seedConfig({ topology: 'global-lb' });
    const failure = await failureOf(runApply({ config: lb, dir, token: fake.token, apiUrl: fake.url, timing: FAST }));
    expect(failure.stepId).toBe('load-balancer:demo-lb');
    expect(failure.reason.message).toMatch(/creating load balancer demo-lb failed: .*HTTP 500 after 5 attempts/);
    expect(failure.reason.hint).toContain('run the command again');
    // The droplets created in parallel were recorded even though the run failed.
    expect((await loadState(dir, 'demo')).cloud.droplets).toHaveLength(5);
    fake.faults.clear();
    await runApply({ config: lb, dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    expect(holdings(fake).droplets).toHaveLength(5);
    expect(holdings(fake).loadBalancers).toEqual(['demo-lb']);
  }, 90_000);

  it('422: names the resource and what DigitalOcean said', async () => {
    const dir = await projectDir();
    fake.faults.next({ method: 'POST', path: '/v2/droplets', status: 422, message: 'You specified an invalid size for Droplet creation.', times: 5 });
    const failure = await failureOf(runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST }));
    expect(failure.reason.message).toMatch(/^creating demo-\S+.* failed: DigitalOcean POST \/v2\/droplets answered HTTP 422: You specified an invalid size/);
    expect(failure.reason.hint).toContain('swarm-wiz.yaml');
  });

  it('a droplet that never becomes active: fails after the timeout naming it, and says what to do', async () => {
    const dir = await projectDir();
    fake.faults.dropletNeverActive('demo-worker-2');
    const failure = await failureOf(runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: { ...FAST, dropletTimeoutMs: 300 } }));
    expect(failure.reason.message).toBe('demo-worker-2 did not become active within 0.3 s');
    expect(failure.reason.hint).toContain('run apply again to keep waiting');
    const before = fake.requests.length;
    // It is recorded, so apply again waits for it instead of creating another.
    fake.faults.clear();
    await expect(runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: { ...FAST, dropletTimeoutMs: 200 } })).rejects.toThrow(/demo-worker-2 did not become active/);
    expect(writes(fake, before).filter((r) => r.path === '/v2/droplets')).toEqual([]);
    expect(holdings(fake).droplets).toHaveLength(5);
  });
});

describe('timeouts', () => {
  const api = { timeoutMs: 300, retry: { baseDelayMs: 50, maxDelayMs: 200 } };

  it('a request that never answers is given up after the timeout and retried', async () => {
    const dir = await projectDir();
    fake.faults.next({ method: 'GET', path: '/v2/domains', hang: true });
    const { events, onEvent } = collect();
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url, onEvent, timing: FAST, api });
    expect(events.find((e) => e.type === 'retrying')).toMatchObject({ what: expect.stringMatching(/^GET \/v2\/domains/), reason: 'timeout' });
    expect(holdings(fake).droplets).toHaveLength(5);
  });

  it('an API that keeps timing out: fails naming the step, the timeout and what to do; nothing created twice on the rerun', async () => {
    const dir = await projectDir();
    fake.faults.next({ method: 'POST', path: '/v2/firewalls', hang: true, times: 20 });
    const failure = await failureOf(runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST, api }));
    expect(failure.stepId).toMatch(/^firewall:demo-/);
    expect(failure.reason.message).toMatch(/creating firewall demo-\w+ failed: DigitalOcean POST \/v2\/firewalls answered timeout after 5 attempts/);
    expect(failure.reason.hint).toMatch(/did not answer in time/);
    fake.faults.clear();
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST, api });
    expect(holdings(fake)).toMatchObject({ firewalls: ['demo-edge', 'demo-internal'], vpcs: ['demo-vpc'] });
    expect(holdings(fake).droplets).toHaveLength(5);
  });
});

describe('404', () => {
  it('destroy counts a resource already deleted outside swarm-wiz as deleted', async () => {
    const dir = await projectDir();
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    const gone = fake.state.droplets.find((d) => d.name === 'demo-worker-2')!;
    fake.state.droplets.splice(fake.state.droplets.indexOf(gone), 1);
    const result = await runDestroy({ dir, project: 'demo', token: fake.token, apiUrl: fake.url, timing: FAST });
    expect(fake.requests.find((r) => r.method === 'DELETE' && r.path === `/v2/droplets/${gone.id}`)?.status).toBe(404);
    expect(result.state.cloud).toMatchObject({ droplets: [], firewalls: [], dnsRecords: [], tags: [] });
    expect(holdings(fake)).toEqual({ droplets: [], vpcs: [], firewalls: [], loadBalancers: [] });
  });

  it('apply creates again what was deleted outside swarm-wiz (firewalls, load balancer), once', async () => {
    const dir = await projectDir();
    const lb = seedConfig({ topology: 'global-lb' });
    await runApply({ config: lb, dir, token: fake.token, apiUrl: fake.url, timing: FAST, operatorIp: '192.0.2.10' });
    fake.state.firewalls.splice(0, fake.state.firewalls.length);
    fake.state.loadBalancers.splice(0, fake.state.loadBalancers.length);
    const result = await runApply({ config: lb, dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    expect(result.steps.filter((s) => s.op === 'create' && s.kind !== 'manual-dns').map((s) => s.name)).toEqual(['demo-lb', 'demo-internal', 'demo-edge']);
    expect(holdings(fake)).toMatchObject({ firewalls: ['demo-edge', 'demo-internal'], loadBalancers: ['demo-lb'] });
    const edge = fake.state.firewalls.find((f) => f.name === 'demo-edge')!;
    expect(edge.inbound_rules[0]!.sources).toEqual({ load_balancer_uids: [fake.state.loadBalancers[0]!.id], addresses: ['192.0.2.10/32'] });
    expect(fake.state.firewalls.find((f) => f.name === 'demo-internal')!.inbound_rules[0]!.sources?.addresses).toEqual(['192.0.2.10/32']);
    const before = fake.requests.length;
    await runApply({ config: lb, dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    expect(writes(fake, before)).toEqual([]);
  });
});
