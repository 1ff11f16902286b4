import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApply } from '../../src/app/index.js';
import { StepFailed } from '../../src/run/index.js';
import { loadState } from '../../src/state/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { FAST, holdings, projectDir, seedConfig } from './provision-helpers.js';

let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 20, domains: ['a.com'] });
});
afterEach(async () => {
  await fake.stop();
});

const edgeOf = (f: FakeDigitalOcean) => f.state.droplets.filter((d) => d.tags.includes('swarm-wiz:demo:edge')).map((d) => d.name).sort();

describe('changing the topology of an applied project', () => {
  it('manager → global-lb: the edge tag moves to the workers, a load balancer appears, DNS follows it; and back', async () => {
    const dir = await projectDir();
    await runApply({ config: seedConfig({ topology: 'manager' }), dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    const ids = fake.state.droplets.map((d) => d.id).sort();
    expect(edgeOf(fake)).toEqual(['demo-manager-1']);

    await runApply({ config: seedConfig({ topology: 'global-lb' }), dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    expect(fake.state.droplets.map((d) => d.id).sort()).toEqual(ids);
    expect(edgeOf(fake)).toEqual(['demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    expect(holdings(fake).loadBalancers).toEqual(['demo-lb']);
    const lbIp = fake.state.loadBalancers[0]!.ip;
    expect(fake.state.domainRecords.get('a.com')!.filter((r) => r.type === 'A').map((r) => r.data)).toEqual([lbIp]);
    const state = await loadState(dir, 'demo');
    expect(state.cloud.droplets.find((d) => d.name === 'demo-manager-1')!.tags).not.toContain('swarm-wiz:demo:edge');

    await runApply({ config: seedConfig({ topology: 'manager' }), dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    expect(edgeOf(fake)).toEqual(['demo-manager-1']);
    expect(holdings(fake).loadBalancers).toEqual([]);
    const manager = fake.state.droplets.find((d) => d.name === 'demo-manager-1')!.networks.v4.find((n) => n.type === 'public')!.ip_address;
    expect(fake.state.domainRecords.get('a.com')!.filter((r) => r.type === 'A').map((r) => r.data)).toEqual([manager]);
    fake.assertNoViolations();
  });
});

describe('a topology change whose re-tagging fails', () => {
  it('stops before DNS moves or the edge firewall closes, naming the droplets; the next apply finishes the move', async () => {
    const dir = await projectDir();
    const api = { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } };
    await runApply({ config: seedConfig({ topology: 'manager' }), dir, token: fake.token, apiUrl: fake.url, timing: FAST, api });
    const managerIp = fake.state.droplets.find((d) => d.name === 'demo-manager-1')!.networks.v4.find((n) => n.type === 'public')!.ip_address;
    const aRecords = () => fake.state.domainRecords.get('a.com')!.filter((r) => r.type === 'A').map((r) => r.data);

    fake.faults.next({ method: 'POST', path: '/v2/tags/{tag_id}/resources', status: 503, times: 2 });
    const error = await runApply({ config: seedConfig({ topology: 'global-lb' }), dir, token: fake.token, apiUrl: fake.url, timing: FAST, api }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailed);
    expect((error as StepFailed).reason.message).toMatch(/tagging demo-worker-1, demo-worker-2, demo-worker-3 with swarm-wiz:demo:edge/);
    // The manager still takes the traffic: its edge tag, the open edge firewall and the A records are unchanged.
    expect(edgeOf(fake)).toEqual(['demo-manager-1']);
    expect(fake.state.firewalls.find((f) => f.name === 'demo-edge')!.inbound_rules[0]!.sources?.addresses).toEqual(['0.0.0.0/0', '::/0']);
    expect(aRecords()).toEqual([managerIp]);

    await runApply({ config: seedConfig({ topology: 'global-lb' }), dir, token: fake.token, apiUrl: fake.url, timing: FAST, api });
    expect(edgeOf(fake)).toEqual(['demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    expect(aRecords()).toEqual([fake.state.loadBalancers[0]!.ip]);
    fake.assertNoViolations();
  });
});
