import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudApi } from '../../src/adapters/digitalocean/index.js';
import { runApply, StepFailed } from '../../src/run/index.js';
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
  // The DigitalOcean adapter gains tagDroplets/untagDroplets (optional in CloudApi) separately; until
  // then the move must stop before changing anything that would cut traffic, and say what to do.
  const canRetag = Boolean(createCloudApi({ token: 'x', baseUrl: 'http://127.0.0.1:9' }).tagDroplets);

  it('without re-tagging in the API client: stops naming the droplets and the fix, traffic untouched', async () => {
    if (canRetag) return expect(canRetag).toBe(true);
    const dir = await projectDir();
    await runApply({ config: seedConfig({ topology: 'manager' }), dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    const error = await runApply({ config: seedConfig({ topology: 'global-lb' }), dir, token: fake.token, apiUrl: fake.url, timing: FAST }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailed);
    expect((error as StepFailed).reason).toEqual({
      message: "demo-worker-1, demo-worker-2, demo-worker-3 need tag swarm-wiz:demo:edge added, and this DigitalOcean client cannot change a droplet's tags",
      hint: 'Change it in the DigitalOcean console (Droplet → Tags), or destroy and apply again.',
    });
    // The manager still takes the traffic: its edge tag and the open edge firewall are unchanged.
    expect(edgeOf(fake)).toEqual(['demo-manager-1']);
    expect(fake.state.firewalls.find((f) => f.name === 'demo-edge')!.inbound_rules[0]!.sources?.addresses).toEqual(['0.0.0.0/0', '::/0']);
  });

  it('manager → global-lb: the edge tag moves to the workers, a load balancer appears, DNS follows it; and back', async () => {
    if (!canRetag) return expect(canRetag).toBe(false);
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
