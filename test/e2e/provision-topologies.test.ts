import { readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOPOLOGIES, type Topology } from '../../src/config/index.js';
import { runApply } from '../../src/app/index.js';
import { parseState, statePath } from '../../src/state/index.js';
import { userDataFor } from '../../src/run/user-data.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { collect, FAST, holdings, projectDir, seedConfig, writes } from './provision-helpers.js';


let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 30, domains: ['a.com', 'b.com'] });
});
afterEach(async () => {
  await fake.stop();
});

const tagsOf = (role: string, extra: string[] = []) => ['swarm-wiz:demo', `swarm-wiz:demo:${role}`, ...extra].sort();

const EDGE: Record<Topology, string[]> = {
  manager: ['demo-manager-1'],
  dedicated: ['demo-worker-1'],
  'per-domain': ['demo-worker-1', 'demo-worker-2', 'demo-worker-3'],
  'global-lb': ['demo-worker-1', 'demo-worker-2', 'demo-worker-3'],
};

describe.each(TOPOLOGIES)("the seed's example with topology %s, against the fake DigitalOcean", (topology) => {
  it('creates exactly the expected resources with spec-valid requests, then finds nothing to do', async () => {
    const dir = await projectDir();
    const config = seedConfig({ topology });
    const { events, onEvent } = collect();
    const result = await runApply({ config, dir, token: fake.token, apiUrl: fake.url, onEvent, timing: FAST, operatorIp: '192.0.2.10' });

    const edge = (name: string) => (EDGE[topology].includes(name) ? ['swarm-wiz:demo:edge'] : []);
    expect(holdings(fake)).toEqual({
      droplets: [
        { name: 'demo-manager-1', tags: tagsOf('manager', edge('demo-manager-1')) },
        { name: 'demo-support', tags: tagsOf('support') },
        ...[1, 2, 3].map((n) => ({ name: `demo-worker-${n}`, tags: tagsOf('worker', ['worker-node', ...edge(`demo-worker-${n}`)]) })),
      ],
      vpcs: ['demo-vpc'],
      firewalls: ['demo-edge', 'demo-internal'],
      loadBalancers: topology === 'global-lb' ? ['demo-lb'] : [],
    });
    fake.assertNoViolations();

    // Droplets: one bulk create per role (tags differ between edge and other workers in some topologies).
    const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/droplets');
    expect(creates.length).toBeLessThanOrEqual(4);
    expect(creates.filter((r) => !Array.isArray((r.body as { names?: unknown }).names))).toEqual([]);
    const vpc = fake.state.vpcs[0]!;
    const userData = userDataFor(config);
    for (const d of fake.state.droplets) {
      const role = d.name.includes('manager') ? 'manager' : d.name.includes('worker') ? 'worker' : 'support';
      expect({ name: d.name, vpc: d.vpc_uuid, keys: d.ssh_key_ids, userData: d.user_data }).toEqual({ name: d.name, vpc: vpc.id, keys: [fake.state.sshKeys[0]!.id], userData: userData[role] });
    }

    // The edge firewall: 80/443 from anywhere, or only from the load balancer in global-lb.
    const edgeFw = fake.state.firewalls.find((f) => f.name === 'demo-edge')!;
    for (const rule of edgeFw.inbound_rules) {
      // global-lb: the load balancer, and the operator (apply checks what each proxy node serves).
      if (topology === 'global-lb') expect(rule.sources).toEqual({ load_balancer_uids: [fake.state.loadBalancers[0]!.id], addresses: ['192.0.2.10/32'] });
      else expect(rule.sources?.addresses).toEqual(['0.0.0.0/0', '::/0']);
    }
    const internal = fake.state.firewalls.find((f) => f.name === 'demo-internal')!;
    expect(internal.inbound_rules.find((r) => r.ports === '22')!.sources).toEqual({ addresses: ['192.0.2.10/32'], tags: ['swarm-wiz:demo'] });

    // DNS: a.com and b.com are in the account, so their A records exist; c.com is left to the user.
    const entryIp = (host: string) => {
      if (topology === 'global-lb') return fake.state.loadBalancers[0]!.ip;
      const site = { 'a.com': 1, 'b.com': 2, 'c.com': 3 }[host]!;
      const name = topology === 'manager' ? 'demo-manager-1' : topology === 'dedicated' ? 'demo-worker-1' : `demo-worker-${site}`;
      return fake.state.droplets.find((d) => d.name === name)!.networks.v4.find((n) => n.type === 'public')!.ip_address;
    };
    for (const zone of ['a.com', 'b.com']) {
      const a = fake.state.domainRecords.get(zone)!.filter((r) => r.type === 'A');
      expect(a.map((r) => [r.name, r.data])).toEqual([['@', entryIp(zone)]]);
    }
    expect(result.manualDns).toEqual([`A c.com → ${entryIp('c.com')}`]);

    // The state lists every resource, is 0600, and holds no token.
    const text = await readFile(statePath(dir), 'utf8');
    expect(text).not.toContain(fake.token);
    expect((await stat(statePath(dir))).mode & 0o777).toBe(0o600);
    const state = parseState(text);
    expect(state.cloud.droplets.map((d) => d.id).sort()).toEqual(fake.state.droplets.map((d) => d.id).sort());
    expect(state.cloud.droplets.filter((d) => !(d.status === 'active' && d.publicIpv4 && d.privateIpv4))).toEqual([]);
    expect(events.filter((e) => e.type === 'step-failed')).toEqual([]);
    expect(events[0]).toEqual({ type: 'verified', email: 'owner@example.com' });
    expect(fake.requests[0]!.path).toBe('/v2/account');

    // Again with nothing changed (and SWARM_WIZ_OPERATOR_IP no longer set: the recorded one stays): reads only.
    const before = fake.requests.length;
    const again = await runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    expect(writes(fake, before)).toEqual([]);
    expect(again.steps.filter((s) => s.op !== 'same' && s.kind !== 'manual-dns')).toEqual([]);
  });
});
