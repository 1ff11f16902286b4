import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { DeployPlanError, deployHasChanges, planDeploy, proxyNodesOf, type DeployFacts, type NodeFacts } from '../../src/plan/index.js';

const config = (overrides: Record<string, unknown> = {}): Config => parseConfig({ ...SEED_EXAMPLE, ...overrides });
const inactive = { nodeId: '', nodeAddr: '', state: 'inactive', isManager: false };
const desired = new Map([['nginx.conf', 'n'.repeat(64)], ['certs/a.com/fullchain.pem', 'f'.repeat(64)]]);

function facts(nodes: NodeFacts[], overrides: Partial<DeployFacts> = {}): DeployFacts {
  return {
    nodes,
    projectDir: '/srv/swarm-wiz/demo',
    proxyDir: '/srv/swarm-wiz/demo/proxy',
    desiredProxyFiles: desired,
    services: [],
    stack: { composePath: '/srv/swarm-wiz/demo/docker-compose.yml', env: {}, hash: 'h1' },
    certificates: [{ domain: 'a.com', altNames: ['www.a.com'], due: true, reason: 'placeholder' }],
    ...overrides,
  };
}

const summary = (phases: ReturnType<typeof planDeploy>) => phases.map((phase) => `${phase.name}: ${phase.steps.map((s) => `${s.op} ${s.id}`).join(', ')}`);

describe('planDeploy', () => {
  it('from nothing: folder, swarm init, proxy folder, stack, certificate, rollout — in that order', () => {
    const phases = planDeploy(config({ topology: 'manager', workers: 0 }), facts([{ name: 'local', role: 'manager', swarm: inactive, projectExists: false }]));
    expect(summary(phases)).toEqual([
      'nodes: create node:local',
      'swarm: create swarm:init:local',
      'proxy files: create proxy-files:local',
      'stack: create stack:demo',
      'certificates: create certificate:a.com',
      'rollout: update proxy-files:rollout:local',
    ]);
  });

  it('when everything matches, nothing changes (no deploy, no reload, no order)', () => {
    const active = { nodeId: 'n1', nodeAddr: '10.0.0.2', state: 'active', isManager: true, clusterId: 'c1' };
    const services = ['proxy', 'service-a', 'a1', 'a2', 'service-b', 'b1', 'b2', 'service-c', 'c1', 'c2'].map((name) => ({ name: `demo_${name}`, mode: 'replicated', running: 1, desired: 1, image: 'x' }));
    const c = config({ topology: 'manager', workers: 0 });
    expect(services.length).toBe(1 + c.sites.reduce((n, site) => n + 1 + site.private.length, 0));
    const phases = planDeploy(c, facts([{ name: 'local', role: 'manager', swarm: active, projectExists: true, proxyFiles: desired }], {
      services,
      recordedClusterId: 'c1',
      stack: { composePath: '/x', env: {}, hash: 'h1', recordedHash: 'h1' },
      certificates: [{ domain: 'a.com', altNames: [], due: false, reason: 'valid' }],
    }));
    expect(deployHasChanges(phases)).toBe(false);
  });

  it('a changed compose redeploys; a changed file resyncs only that node; a due certificate is ordered and rolled out', () => {
    const active = { nodeId: 'n1', nodeAddr: '10.0.0.2', state: 'active', isManager: true, clusterId: 'c1' };
    const phases = planDeploy(config({ topology: 'manager', workers: 0 }), facts([{ name: 'm', role: 'manager', swarm: active, projectExists: true, proxyFiles: new Map([['nginx.conf', 'old'.padEnd(64, '0')]]) }], {
      services: [{ name: 'demo_proxy', mode: 'replicated', running: 1, desired: 1, image: 'x' }],
      stack: { composePath: '/x', env: {}, hash: 'h2', recordedHash: 'h1' },
      certificates: [{ domain: 'a.com', altNames: [], due: true, reason: 'due' }],
    }));
    const steps = phases.flatMap((p) => p.steps);
    expect(steps.find((s) => s.id === 'proxy-files:m')).toMatchObject({ op: 'update', changed: ['nginx.conf', 'certs/a.com/fullchain.pem'] });
    expect(steps.find((s) => s.kind === 'stack')?.op).toBe('update');
    expect(steps.find((s) => s.kind === 'certificate')?.op).toBe('update');
  });

  it('delivery: secrets has no proxy folder: new certificates roll out as a redeploy under new secret names', () => {
    const phases = planDeploy(config({ topology: 'manager', workers: 0, certificates: { ...SEED_EXAMPLE.certificates, delivery: 'secrets' } }), facts([{ name: 'local', role: 'manager', swarm: inactive, projectExists: false }]));
    expect(summary(phases)).toEqual([
      'nodes: create node:local',
      'swarm: create swarm:init:local',
      'stack: create stack:demo',
      'certificates: create certificate:a.com',
      'rollout: update stack:rollout:demo',
    ]);
    expect(phases.at(-1)!.steps[0]!.description).toContain('the proxy restarts');
  });

  it('several nodes: workers join in one phase, the proxy workers get their label (per-domain)', () => {
    const c = config({ topology: 'per-domain', workers: 3 });
    const nodes: NodeFacts[] = [
      { name: 'demo-manager-1', role: 'manager', advertiseAddr: '10.110.0.2', swarm: inactive, projectExists: false },
      ...[1, 2, 3].map((i): NodeFacts => ({ name: `demo-worker-${i}`, role: 'worker', advertiseAddr: `10.110.0.${i + 2}`, swarm: inactive, projectExists: false })),
    ];
    const phases = planDeploy(c, facts(nodes));
    expect(phases.find((p) => p.name === 'join')?.steps.map((s) => s.id)).toEqual(['swarm:join:demo-worker-1', 'swarm:join:demo-worker-2', 'swarm:join:demo-worker-3']);
    expect(phases.find((p) => p.name === 'labels')?.steps.map((s) => s.id)).toEqual(['swarm:label:demo-worker-1', 'swarm:label:demo-worker-2', 'swarm:label:demo-worker-3']);
    expect(phases.find((p) => p.name === 'swarm')?.steps[0]).toMatchObject({ action: 'init', advertiseAddr: '10.110.0.2' });
    expect(proxyNodesOf(c, nodes)).toEqual(['demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    expect(proxyNodesOf(config({ topology: 'global-lb', workers: 2 }), nodes)).toEqual(['demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    expect(proxyNodesOf(config({ topology: 'dedicated', workers: 2 }), nodes)).toEqual(['demo-worker-1']);
  });

  it('a node in another swarm is an error that says so; a node already in this swarm is left alone', () => {
    const other = { nodeId: 'x', nodeAddr: '10.0.0.9', state: 'active', isManager: true, clusterId: 'other' };
    expect(() => planDeploy(config({ topology: 'manager', workers: 0 }), facts([{ name: 'm', role: 'manager', swarm: other, projectExists: false }], { recordedClusterId: 'mine' }))).toThrow(DeployPlanError);
    expect(() => planDeploy(config({ topology: 'manager', workers: 0 }), facts([{ name: 'm', role: 'manager', swarm: other, projectExists: false }], { recordedClusterId: 'mine' }))).toThrow(/another swarm/);
    const mine = { nodeId: 'm', nodeAddr: '10.0.0.2', state: 'active', isManager: true, clusterId: 'mine' };
    const joined = { nodeId: 'w', nodeAddr: '10.0.0.3', state: 'active', isManager: false };
    const phases = planDeploy(config({ topology: 'manager', workers: 1 }), facts([{ name: 'm', role: 'manager', swarm: mine, projectExists: true }, { name: 'w', role: 'worker', swarm: joined, projectExists: true }], { recordedClusterId: 'mine' }));
    expect(phases.flatMap((p) => p.steps).filter((s) => s.kind === 'swarm').map((s) => s.op)).toEqual(['same', 'same']);
  });
});
