import { describe, expect, it } from 'vitest';
import { planDestroy } from '../../src/plan/index.js';
import { emptyState } from '../../src/state/index.js';

describe('planDestroy', () => {
  it('deletes exactly what the state lists, from the outside in', () => {
    const state = emptyState('demo');
    state.cloud.tags = ['swarm-wiz:demo'];
    state.cloud.sshKey = { id: 5, name: 'swarm-wiz-demo', fingerprint: 'f' };
    state.cloud.vpc = { id: 'v', name: 'demo-vpc', region: 'fra1' };
    state.cloud.droplets = [{ id: 1, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's', tags: [], status: 'active' }];
    state.cloud.firewalls = [{ id: 'f', name: 'demo-edge', spec: {} }];
    state.cloud.loadBalancer = { id: 'l', name: 'demo-lb', spec: {} };
    state.cloud.dnsRecords = [{ zone: 'a.com', id: 9, type: 'A', name: 'www', data: '203.0.113.1' }];
    const steps = planDestroy(state);
    expect(steps.map((s) => `${s.op} ${s.kind} ${s.name}`)).toEqual([
      'delete dns-record www.a.com',
      'delete firewall demo-edge',
      'delete load-balancer demo-lb',
      'delete droplet demo-manager-1',
      'delete vpc demo-vpc',
      'delete ssh-key swarm-wiz-demo',
    ]);
    expect(planDestroy(emptyState('demo'))).toEqual([]);
  });
});
