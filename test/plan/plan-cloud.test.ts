import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE, TOPOLOGIES, type Config, type Topology } from '../../src/config/index.js';
import { formatPlan, hasChanges, isOperatorAddress, planCloud, summarise, type DropletStep, type FirewallStep, type PlanStep } from '../../src/plan/index.js';
import { emptyState, type State } from '../../src/state/index.js';

const seed = (overrides: Record<string, unknown> = {}): Config => parseConfig({ ...SEED_EXAMPLE, ...overrides });
const creates = (steps: PlanStep[], kind: PlanStep['kind']) => steps.filter((s) => s.kind === kind && s.op === 'create').map((s) => s.name);

/** The state an apply of `steps` would record, with IPs made up per droplet. */
function stateAfter(config: Config, steps: PlanStep[]): State {
  const state = emptyState(config.project);
  let n = 1;
  for (const step of steps) {
    if (step.op === 'delete') continue;
    switch (step.kind) {
      case 'tag':
        state.cloud.tags.push(step.name);
        break;
      case 'ssh-key':
        state.cloud.sshKey = { id: 99, name: step.name, fingerprint: 'aa:bb' };
        break;
      case 'vpc':
        state.cloud.vpc = { id: 'vpc-1', name: step.name, region: step.region };
        break;
      case 'droplet':
        state.cloud.droplets.push({ id: n, name: step.name, role: step.role, region: step.region, size: step.size, tags: step.tags, status: 'active', publicIpv4: `203.0.113.${n}`, privateIpv4: `10.0.0.${n}` });
        n += 1;
        break;
      case 'load-balancer':
        state.cloud.loadBalancer = { id: 'lb-1', name: step.name, ip: '198.51.100.1', spec: step.spec };
        break;
      case 'firewall':
        state.cloud.firewalls.push({ id: `fw-${step.name}`, name: step.name, spec: step.spec });
        break;
      case 'dns-record': {
        const target = step.target!;
        const ip = 'droplet' in target ? state.cloud.droplets.find((d) => d.name === target.droplet)!.publicIpv4! : '198.51.100.1';
        state.cloud.dnsRecords.push({ zone: step.zone, id: 1000 + n++, type: 'A', name: step.recordName, data: ip });
        break;
      }
      case 'manual-dns':
        break;
    }
  }
  return state;
}

describe('planCloud on an empty state', () => {
  it('creates the seed example: 1 manager, 3 workers, the support server, a VPC, two firewalls', () => {
    const steps = planCloud(seed(), emptyState('demo'));
    expect(creates(steps, 'droplet')).toEqual(['demo-manager-1', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3', 'demo-support']);
    expect(creates(steps, 'vpc')).toEqual(['demo-vpc']);
    expect(creates(steps, 'firewall')).toEqual(['demo-internal', 'demo-edge']);
    expect(creates(steps, 'load-balancer')).toEqual([]);
    expect(steps.filter((s) => s.op !== 'create')).toEqual([]);
  });

  it('with 3 managers and no workers: no worker tags, the first manager is the entrypoint', () => {
    const steps = planCloud(seed({ managers: 3, workers: 0 }), emptyState('demo'));
    expect(creates(steps, 'tag')).toEqual(['swarm-wiz:demo', 'swarm-wiz:demo:manager', 'swarm-wiz:demo:support', 'swarm-wiz:demo:edge']);
    expect(creates(steps, 'droplet')).toEqual(['demo-manager-1', 'demo-manager-2', 'demo-manager-3', 'demo-support']);
    const edge = steps.filter((s) => s.kind === 'droplet' && s.tags.includes('swarm-wiz:demo:edge')).map((s) => s.name);
    expect(edge).toEqual(['demo-manager-1']);
  });

  it('tags every droplet with the project, its role, workers with worker-node, entrypoints with edge', () => {
    const steps = planCloud(seed(), emptyState('demo'));
    const tags = Object.fromEntries(steps.flatMap((s) => (s.kind === 'droplet' ? [[s.name, s.tags]] : [])));
    expect(tags['demo-manager-1']).toEqual(['swarm-wiz:demo', 'swarm-wiz:demo:manager', 'swarm-wiz:demo:edge']);
    expect(tags['demo-worker-2']).toEqual(['swarm-wiz:demo', 'swarm-wiz:demo:worker', 'worker-node']);
    expect(tags['demo-support']).toEqual(['swarm-wiz:demo', 'swarm-wiz:demo:support']);
    const droplet = steps.find((s) => s.kind === 'droplet');
    expect(droplet).toMatchObject({ image: 'debian-13-x64', size: 's-1vcpu-2gb', region: 'fra1' });
  });

  it('orders resources by dependency: tags, key, VPC, droplets, load balancer, firewalls, DNS', () => {
    const steps = planCloud(seed({ topology: 'global-lb' }), emptyState('demo'), { dnsZones: ['a.com'] });
    const order = ['tag', 'ssh-key', 'vpc', 'droplet', 'load-balancer', 'firewall', 'dns-record', 'manual-dns'];
    const ranks = steps.map((s) => order.indexOf(s.kind));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it.each(TOPOLOGIES)('opens 80/443 only on the entrypoints of topology %s', (topology: Topology) => {
    const config = seed({ topology });
    const steps = planCloud(config, emptyState('demo'));
    const edge = steps.filter((s) => s.kind === 'droplet' && s.tags.includes('swarm-wiz:demo:edge')).map((s) => s.name);
    const expected: Record<Topology, string[]> = {
      manager: ['demo-manager-1'],
      dedicated: ['demo-worker-1'],
      'per-domain': ['demo-worker-1', 'demo-worker-2', 'demo-worker-3'],
      'global-lb': ['demo-worker-1', 'demo-worker-2', 'demo-worker-3'],
    };
    expect(edge).toEqual(expected[topology]);
    const fw = steps.find((s): s is FirewallStep => s.kind === 'firewall' && s.name === 'demo-edge')!;
    expect(fw.spec.tags).toEqual(['swarm-wiz:demo:edge']);
    expect(fw.spec.inbound.map((r) => r.ports)).toEqual(['80', '443']);
    for (const rule of fw.spec.inbound) {
      if (topology === 'global-lb') expect(rule).toMatchObject({ loadBalancers: ['demo-lb'] });
      else expect(rule.addresses).toEqual(['0.0.0.0/0', '::/0']);
    }
  });

  it('keeps swarm ports and SSH inside the project, SSH also from the operator', () => {
    const steps = planCloud(seed(), emptyState('demo'), { operatorIp: '192.0.2.10' });
    const fw = steps.find((s): s is FirewallStep => s.kind === 'firewall' && s.name === 'demo-internal')!;
    for (const rule of fw.spec.inbound) {
      expect(rule.tags).toEqual(['swarm-wiz:demo']);
      expect(rule.addresses ?? []).toEqual(rule.ports === '22' ? ['192.0.2.10/32'] : []);
    }
    expect(fw.spec.inbound.map((r) => `${r.ports}/${r.protocol}`)).toEqual(expect.arrayContaining(['2377/tcp', '7946/tcp', '7946/udp', '4789/udp', '22/tcp']));
    const without = planCloud(seed(), emptyState('demo')).find((s) => s.name === 'demo-internal')!;
    expect(without.description).toContain('SWARM_WIZ_OPERATOR_IP');
  });

  it('gives global-lb a TCP-passthrough load balancer with a Host-free health check', () => {
    const steps = planCloud(seed({ topology: 'global-lb' }), emptyState('demo'));
    const lb = steps.find((s) => s.kind === 'load-balancer');
    expect(lb).toMatchObject({
      op: 'create',
      name: 'demo-lb',
      spec: {
        tag: 'swarm-wiz:demo:worker',
        vpc: 'demo-vpc',
        forwarding: [
          { entryProtocol: 'tcp', entryPort: 80, targetProtocol: 'tcp', targetPort: 80 },
          { entryProtocol: 'tcp', entryPort: 443, targetProtocol: 'tcp', targetPort: 443 },
        ],
      },
    });
  });

  it('creates A records in DigitalOcean DNS zones and lists the others as manual', () => {
    const config = seed({ topology: 'per-domain', sites: [{ ...SEED_EXAMPLE.sites[0], aliases: ['www.a.com'] }, SEED_EXAMPLE.sites[1], SEED_EXAMPLE.sites[2]] });
    const steps = planCloud(config, emptyState('demo'), { dnsZones: ['a.com', 'b.com'] });
    const dns = steps.filter((s) => s.kind === 'dns-record' || s.kind === 'manual-dns');
    expect(dns.map((s) => [s.kind, s.name, s.kind === 'dns-record' ? s.recordName : '', 'target' in s ? s.target : undefined])).toEqual([
      ['dns-record', 'a.com', '@', { droplet: 'demo-worker-1' }],
      ['dns-record', 'www.a.com', 'www', { droplet: 'demo-worker-1' }],
      ['dns-record', 'b.com', '@', { droplet: 'demo-worker-2' }],
      ['manual-dns', 'c.com', '', { droplet: 'demo-worker-3' }],
    ]);
    expect(dns[3]!.description).toContain('c.com is not in this account');
  });
});

describe('planCloud against a recorded state', () => {
  it.each(TOPOLOGIES)('finds nothing to do right after applying topology %s', (topology) => {
    const config = seed({ topology });
    const facts = { dnsZones: ['a.com', 'b.com', 'c.com'], operatorIp: '192.0.2.10' };
    const state = stateAfter(config, planCloud(config, emptyState('demo'), facts));
    const again = planCloud(config, state, facts);
    expect(again.filter((s) => s.op !== 'same')).toEqual([]);
    expect(hasChanges(again)).toBe(false);
  });

  it('adds and removes workers by name', () => {
    const state = stateAfter(seed(), planCloud(seed(), emptyState('demo')));
    const more = planCloud(seed({ workers: 5 }), state);
    expect(creates(more, 'droplet')).toEqual(['demo-worker-4', 'demo-worker-5']);
    const fewer = planCloud(seed({ workers: 1 }), state);
    expect(fewer.filter((s) => s.op === 'delete').map((s) => s.name)).toEqual(['demo-worker-2', 'demo-worker-3']);
    expect(fewer.at(-1)).toMatchObject({ op: 'delete', kind: 'droplet', recordedId: 4 });
  });

  it('updates the firewall when the operator address changes and deletes the LB when leaving global-lb', () => {
    const config = seed({ topology: 'global-lb' });
    const state = stateAfter(config, planCloud(config, emptyState('demo'), { operatorIp: '192.0.2.10' }));
    const moved = planCloud(config, state, { operatorIp: '192.0.2.99' });
    // SSH (internal) and, in global-lb, 80/443 on the proxy nodes (apply checks what each serves) follow the operator's address.
    expect(moved.filter((s) => s.op !== 'same' && s.kind !== 'manual-dns').map((s) => `${s.op} ${s.name}`)).toEqual(['update demo-internal', 'update demo-edge']);
    const edge = moved.find((s): s is FirewallStep => s.kind === 'firewall' && s.name === 'demo-edge')!;
    for (const rule of edge.spec.inbound) expect(rule).toMatchObject({ loadBalancers: ['demo-lb'], addresses: ['192.0.2.99/32'] });
    expect(edge.description).toContain('80/443 from the load balancer demo-lb and 192.0.2.99/32');
    const manager = planCloud(seed({ topology: 'manager' }), state, { operatorIp: '192.0.2.10' });
    expect(manager.filter((s) => s.op === 'delete').map((s) => s.name)).toEqual(['demo-lb']);
    expect(manager.filter((s) => s.op === 'update').map((s) => s.name)).toEqual(['demo-manager-1', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3', 'demo-edge']);
    const retag = manager.filter((s): s is DropletStep => s.kind === 'droplet' && s.op === 'update').map((s) => [s.name, s.addTags, s.removeTags]);
    expect(retag).toEqual([
      ['demo-manager-1', ['swarm-wiz:demo:edge'], []],
      ['demo-worker-1', [], ['swarm-wiz:demo:edge']],
      ['demo-worker-2', [], ['swarm-wiz:demo:edge']],
      ['demo-worker-3', [], ['swarm-wiz:demo:edge']],
    ]);
    expect(retag.length).toBe(4);
    expect(manager.find((s) => s.name === 'demo-manager-1')!.description).toContain('tags +swarm-wiz:demo:edge');
  });

  it('moves an A record when the entrypoint changes', () => {
    const facts = { dnsZones: ['a.com'] };
    const state = stateAfter(seed(), planCloud(seed(), emptyState('demo'), facts));
    const dedicated = planCloud(seed({ topology: 'dedicated' }), state, facts);
    const record = dedicated.find((s) => s.kind === 'dns-record')!;
    expect(record).toMatchObject({ op: 'update', name: 'a.com' });
    expect(record.description).toContain('203.0.113.1 → 203.0.113.2');
  });

  it('summarises and prints like terraform plan', () => {
    const steps = planCloud(seed(), emptyState('demo'));
    expect(summarise(steps)).toEqual({ create: 15, update: 0, delete: 0, same: 0, manual: 3 });
    const text = formatPlan(steps);
    expect(text).toMatch(/^\+ create {2}droplet {7}demo-worker-1 {2}worker droplet/m);
    expect(text).toMatch(/^! by hand manual-dns {4}a\.com/m);
    expect(text.split('\n').at(-1)).toBe('Plan: 15 to create, 0 to update, 0 to delete, 0 unchanged. 3 DNS records to create by hand (listed above).');
    const state = stateAfter(seed(), steps);
    expect(formatPlan(planCloud(seed(), state)).split('\n').at(-1)).toMatch(/^No changes: DigitalOcean matches swarm-wiz.yaml \(15 resources\)/);
  });
});

describe('the operator address', () => {
  it('is kept from the state when not given again, so a later apply does not close SSH', () => {
    const config = seed();
    const state = stateAfter(config, planCloud(config, emptyState('demo'), { operatorIp: '192.0.2.10' }));
    state.cloud.operatorIp = '192.0.2.10';
    expect(planCloud(config, state, {}).filter((s) => s.op !== 'same' && s.kind !== 'manual-dns')).toEqual([]);
    const moved = planCloud(config, state, { operatorIp: '2001:db8::7' });
    const fw = moved.find((s): s is FirewallStep => s.name === 'demo-internal')!;
    expect(fw.op).toBe('update');
    expect(fw.spec.inbound[0]!.addresses).toEqual(['2001:db8::7/128']);
  });

  it.each([
    ['203.0.113.7', true],
    ['203.0.113.0/24', true],
    ['2001:db8::1', true],
    ['2001:db8::/48', true],
    ['203.0.113.7/33', false],
    ['my-laptop', false],
    ['203.0.113.7; rm -rf', false],
    ['', false],
  ])('%s is an operator address: %s', (value, ok) => {
    expect(isOperatorAddress(value)).toBe(ok);
  });
});

describe('drift apply does not fix', () => {
  it('shows a resize or region move as a warning, even on unchanged resources', () => {
    const config = seed();
    const state = stateAfter(config, planCloud(config, emptyState('demo')));
    const bigger = planCloud(seed({ size: 's-2vcpu-4gb' }), state);
    const manager = bigger.find((s) => s.name === 'demo-manager-1')!;
    expect(manager).toMatchObject({ op: 'same', warning: 'size is s-1vcpu-2gb, config says s-2vcpu-4gb: resize it in the DigitalOcean console' });
    expect(hasChanges(bigger)).toBe(false);
    expect(formatPlan(bigger)).toContain('  same    droplet       demo-manager-1  manager droplet demo-manager-1 (id 1, 203.0.113.1); size is s-1vcpu-2gb');
    expect(formatPlan(bigger)).toContain('    ! not changed by apply: size is s-1vcpu-2gb, config says s-2vcpu-4gb: resize it in the DigitalOcean console');
    const moved = formatPlan(planCloud(seed({ region: 'ams3' }), state));
    expect(moved).toContain('! not changed by apply: the VPC is in fra1, config says ams3: destroy and apply to move the project');
  });
});
