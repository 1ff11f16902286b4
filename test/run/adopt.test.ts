import { describe, expect, it } from 'vitest';
import type { Droplet } from '../../src/adapters/digitalocean/cloud-api.js';
import { forgetVanished, reconcileDroplets } from '../../src/run/index.js';
import { emptyState } from '../../src/state/index.js';

const droplet = (id: number, name: string, tags: string[], status: Droplet['status'] = 'active'): Droplet => ({ id, name, status, tags, region: 'fra1', size: 's-1vcpu-2gb', publicIpv4: `203.0.113.${id}`, privateIpv4: `10.0.0.${id}` });

describe('reconcileDroplets', () => {
  it('adopts project droplets the state does not know, with their role from the tags, and ignores other projects', () => {
    const state = emptyState('demo');
    const found = [droplet(1, 'demo-manager-1', ['swarm-wiz:demo', 'swarm-wiz:demo:manager']), droplet(2, 'demo-worker-1', ['swarm-wiz:demo', 'swarm-wiz:demo:worker', 'worker-node']), droplet(3, 'x-worker-1', ['swarm-wiz:x'])];
    const result = reconcileDroplets(state, found);
    expect(result.adopted).toEqual(['demo-manager-1', 'demo-worker-1']);
    expect(result.state.cloud.droplets.map((d) => [d.name, d.role, d.publicIpv4])).toEqual([
      ['demo-manager-1', 'manager', '203.0.113.1'],
      ['demo-worker-1', 'worker', '203.0.113.2'],
    ]);
    expect(state.cloud.droplets).toEqual([]);
  });

  it('forgets recorded droplets that are gone and refreshes status and addresses of the others', () => {
    const state = emptyState('demo');
    state.cloud.droplets.push(
      { id: 1, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's-1vcpu-2gb', tags: ['swarm-wiz:demo'], status: 'new' },
      { id: 2, name: 'demo-support', role: 'support', region: 'fra1', size: 's-1vcpu-2gb', tags: ['swarm-wiz:demo'], status: 'active' },
    );
    const result = reconcileDroplets(state, [droplet(1, 'demo-manager-1', ['swarm-wiz:demo'])]);
    expect(result.vanished).toEqual(['demo-support']);
    expect(result.adopted).toEqual([]);
    expect(result.state.cloud.droplets).toEqual([{ id: 1, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's-1vcpu-2gb', tags: ['swarm-wiz:demo'], status: 'active', publicIpv4: '203.0.113.1', privateIpv4: '10.0.0.1' }]);
  });

  it("forgets the pinned host key of a droplet that is gone (its replacement has its own), and keeps the others'", () => {
    const state = emptyState('demo');
    state.cloud.droplets.push(
      { id: 1, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's-1vcpu-2gb', tags: ['swarm-wiz:demo'], status: 'active' },
      { id: 2, name: 'demo-worker-1', role: 'worker', region: 'fra1', size: 's-1vcpu-2gb', tags: ['swarm-wiz:demo'], status: 'active' },
    );
    state.nodes = { 'demo-manager-1': { hostKey: 'ssh-ed25519 AAAAmanager' }, 'demo-worker-1': { hostKey: 'ssh-ed25519 AAAAworker' } };
    const result = reconcileDroplets(state, [droplet(1, 'demo-manager-1', ['swarm-wiz:demo'])]);
    expect(result.vanished).toEqual(['demo-worker-1']);
    expect(result.state.nodes).toEqual({ 'demo-manager-1': { hostKey: 'ssh-ed25519 AAAAmanager' }, 'demo-worker-1': {} });
    expect(state.nodes['demo-worker-1']).toEqual({ hostKey: 'ssh-ed25519 AAAAworker' });
  });
});

describe('forgetVanished', () => {
  it('forgets a recorded VPC, firewall or load balancer the account no longer lists, and only kinds that were listed', () => {
    const state = emptyState('demo');
    state.cloud.vpc = { id: 'v1', name: 'demo-vpc', region: 'fra1' };
    state.cloud.firewalls = [
      { id: 'f1', name: 'demo-internal', spec: {} },
      { id: 'f2', name: 'demo-edge', spec: {} },
    ];
    state.cloud.loadBalancer = { id: 'l1', name: 'demo-lb', spec: {} };
    const firewall = { id: 'f2', name: 'demo-edge', tags: [], inbound: [], outbound: [] };
    const result = forgetVanished(state, { firewalls: [firewall], loadBalancers: [] });
    expect(result.vanished).toEqual(['demo-internal', 'demo-lb']);
    expect(result.state.cloud.firewalls.map((f) => f.id)).toEqual(['f2']);
    expect(result.state.cloud.loadBalancer).toBeUndefined();
    expect(result.state.cloud.vpc?.id).toBe('v1');
  });
});
