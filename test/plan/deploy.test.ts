import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { DeployPlanError, deployHasChanges, planDeploy, planRenew, proxyNodesOf, secretsToSetAgain, UNREACHABLE, type DeployFacts, type NodeFacts, type StackStep, type SupportFacts } from '../../src/plan/index.js';

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

  describe('network preflight', () => {
    const mine = { nodeId: 'm', nodeAddr: '10.110.0.2', state: 'active', isManager: true, clusterId: 'mine' };
    const joined = (id: string) => ({ nodeId: id, nodeAddr: '10.110.0.3', state: 'active', isManager: false });
    const twoNodes = (): NodeFacts[] => [
      { name: 'demo-manager-1', role: 'manager', swarm: mine, projectExists: true, proxyFiles: desired },
      { name: 'demo-worker-1', role: 'worker', swarm: joined('w1'), projectExists: true, proxyFiles: desired },
    ];

    it('with two or more nodes: one check after the swarm is bootstrapped and before the proxy files and the stack', () => {
      const nodes: NodeFacts[] = [
        { name: 'demo-manager-1', role: 'manager', advertiseAddr: '10.110.0.2', swarm: inactive, projectExists: false },
        ...[1, 2].map((i): NodeFacts => ({ name: `demo-worker-${i}`, role: 'worker', advertiseAddr: `10.110.0.${i + 2}`, swarm: inactive, projectExists: false })),
      ];
      const phases = planDeploy(config({ topology: 'per-domain', workers: 2, sites: SEED_EXAMPLE.sites.slice(0, 2) }), facts(nodes));
      expect(phases.map((p) => p.name)).toEqual(['nodes', 'swarm', 'join', 'labels', 'preflight', 'proxy files', 'stack', 'certificates', 'rollout']);
      const [check] = phases.find((p) => p.name === 'preflight')!.steps;
      expect(check).toMatchObject({
        kind: 'preflight',
        op: 'check',
        id: 'preflight:demo',
        node: 'demo-manager-1',
        nodes: [
          { name: 'demo-manager-1', role: 'manager' },
          { name: 'demo-worker-1', role: 'worker' },
          { name: 'demo-worker-2', role: 'worker' },
        ],
        dir: '/srv/swarm-wiz/demo',
        image: config().proxy.image,
      });
      expect(check!.description).toMatch(/2377\/tcp.*7946\/tcp\+udp.*4789\/udp/);
    });

    it('runs on every apply, also when nothing else changes, and counts as no change', () => {
      const c = config({ topology: 'manager', workers: 1 });
      const expected = 1 + c.sites.reduce((n, site) => n + 1 + site.private.length, 0);
      const services = Array.from({ length: expected }, (_, i) => ({ name: i === 0 ? 'demo_proxy' : `demo_s${i}`, mode: 'replicated', running: 1, desired: 1, image: 'x' }));
      const phases = planDeploy(c, facts(twoNodes(), {
        services,
        recordedClusterId: 'mine',
        stack: { composePath: '/x', env: {}, hash: 'h1', recordedHash: 'h1' },
        certificates: [{ domain: 'a.com', altNames: [], due: false, reason: 'valid' }],
      }));
      expect(phases.flatMap((p) => p.steps).filter((s) => s.op !== 'same').map((s) => `${s.op} ${s.id}`)).toEqual(['check preflight:demo']);
      expect(deployHasChanges(phases)).toBe(false);
    });

    it('a one-node swarm has no peer to reach: no check', () => {
      const phases = planDeploy(config({ topology: 'manager', workers: 0 }), facts([{ name: 'local', role: 'manager', swarm: inactive, projectExists: false }]));
      expect(phases.flatMap((p) => p.steps).filter((s) => s.kind === 'preflight')).toEqual([]);
    });

    it('is its own phase: after the joins, before the proxy files and the stack', () => {
      const phases = planDeploy(config({ topology: 'manager', workers: 1 }), facts(twoNodes(), { recordedClusterId: 'mine' }));
      const names = phases.map((p) => p.name);
      expect(names.indexOf('preflight')).toBeGreaterThan(names.indexOf('join'));
      expect(names.indexOf('preflight')).toBeLessThan(names.indexOf('proxy files'));
      expect(names.indexOf('preflight')).toBeLessThan(names.indexOf('stack'));
    });
  });

  describe('a proxy whose mode changes (replicated ↔ global)', () => {
    const mine = { nodeId: 'm', nodeAddr: '10.110.0.2', state: 'active', isManager: true, clusterId: 'mine' };
    const worker = { nodeId: 'w', nodeAddr: '10.110.0.3', state: 'active', isManager: false };
    const nodes: NodeFacts[] = [
      { name: 'm', role: 'manager', swarm: mine, projectExists: true },
      { name: 'w', role: 'worker', swarm: worker, projectExists: true },
    ];
    const deployedProxy = (mode: string) => ({ services: [{ name: 'demo_proxy', mode, running: 1, desired: 1, image: 'x' }], recordedClusterId: 'mine', stack: { composePath: '/x', env: {}, hash: 'h2', recordedHash: 'h1' } });
    const stackOf = (phases: ReturnType<typeof planDeploy>): StackStep => phases.find((p) => p.name === 'stack')!.steps[0] as StackStep;

    it('replicated → global (per-domain → global-lb): the stack step removes the proxy service right before the deploy', () => {
      const stack = stackOf(planDeploy(config({ topology: 'global-lb', workers: 1 }), facts(nodes, deployedProxy('replicated'))));
      expect(stack).toMatchObject({ kind: 'stack', op: 'update', replace: [{ service: 'demo_proxy', from: 'replicated', to: 'global' }] });
      expect(stack.description).toMatch(/^replace service demo_proxy: replicated → global \(Swarm cannot change a service's mode in place/);
      expect(stack.warning).toMatch(/HTTPS is down for a few seconds/);
    });

    it('global → replicated (global-lb → manager, dedicated or per-domain)', () => {
      for (const topology of ['manager', 'dedicated', 'per-domain']) {
        const stack = stackOf(planDeploy(config({ topology, workers: 3 }), facts(nodes, deployedProxy('global'))));
        expect(stack, topology).toMatchObject({ replace: [{ service: 'demo_proxy', from: 'global', to: 'replicated' }] });
      }
    });

    it('the same mode, or no proxy deployed yet: nothing is replaced', () => {
      expect(stackOf(planDeploy(config({ topology: 'global-lb', workers: 1 }), facts(nodes, deployedProxy('global')))).replace).toBeUndefined();
      expect(stackOf(planDeploy(config({ topology: 'dedicated', workers: 1 }), facts(nodes, deployedProxy('replicated')))).replace).toBeUndefined();
      expect(stackOf(planDeploy(config({ topology: 'global-lb', workers: 1 }), facts(nodes, { recordedClusterId: 'mine' }))).replace).toBeUndefined();
    });

    it('an equal compose hash still deploys when the mode differs', () => {
      const c = config({ topology: 'global-lb', workers: 1 });
      const expected = 1 + c.sites.reduce((n, site) => n + 1 + site.private.length, 0);
      const services = Array.from({ length: expected }, (_, i) => ({ name: i === 0 ? 'demo_proxy' : `demo_s${i}`, mode: 'replicated', running: 1, desired: 1, image: 'x' }));
      const stack = stackOf(planDeploy(c, facts(nodes, { services, recordedClusterId: 'mine', stack: { composePath: '/x', env: {}, hash: 'h1', recordedHash: 'h1' } })));
      expect(stack.op).toBe('update');
    });
  });

  it('a declared secret with no stored version: the stack step says which and how to set it', () => {
    const active = { nodeId: 'n1', nodeAddr: '10.0.0.2', state: 'active', isManager: true, clusterId: 'c1' };
    const phases = planDeploy(config({ topology: 'manager', workers: 0 }), facts([{ name: 'local', role: 'manager', swarm: active, projectExists: true }], { missingSecrets: ['db_password', 'api-key'] }));
    const stack = phases.flatMap((p) => p.steps).find((s): s is StackStep => s.kind === 'stack');
    expect(stack?.warning).toBe('secret db_password is not set: run swarm-wiz secret set db_password; secret api-key is not set: run swarm-wiz secret set api-key');
    const without = planDeploy(config({ topology: 'manager', workers: 0 }), facts([{ name: 'local', role: 'manager', swarm: active, projectExists: true }]));
    expect(without.flatMap((p) => p.steps).find((s) => s.kind === 'stack')?.warning).toBeUndefined();
  });
});

describe('planDeploy: machines that come back', () => {
  const lead = (id: string, cluster = 'c1') => ({ nodeId: id, nodeAddr: '10.110.0.2', state: 'active', isManager: true, clusterId: cluster });
  const worker = (id: string) => ({ nodeId: id, nodeAddr: '10.110.0.3', state: 'active', isManager: false });
  const swarmSteps = (phases: ReturnType<typeof planDeploy>) => phases.flatMap((p) => p.steps).filter((s) => s.kind === 'swarm');

  it('a worker replaced: the new droplet joins, the dead node the swarm still lists is removed before any join, the others are left alone', () => {
    const nodes: NodeFacts[] = [
      { name: 'demo-manager-1', role: 'manager', swarm: lead('m1'), projectExists: true },
      { name: 'demo-worker-1', role: 'worker', swarm: inactive, projectExists: false },
      { name: 'demo-worker-2', role: 'worker', swarm: worker('w2'), projectExists: true },
    ];
    const swarmNodes = [
      { id: 'm1', hostname: 'demo-manager-1', status: 'Ready', managerStatus: 'Leader' },
      { id: 'w1old', hostname: 'demo-worker-1', status: 'Down', managerStatus: '' },
      { id: 'w2', hostname: 'demo-worker-2', status: 'Ready', managerStatus: '' },
    ];
    const phases = planDeploy(config({ topology: 'global-lb', workers: 2 }), facts(nodes, { recordedClusterId: 'c1', swarmNodes }));
    expect(summary(phases).slice(1, 3)).toEqual(['swarm: same swarm:init:demo-manager-1, delete swarm:remove:w1old', 'join: create swarm:join:demo-worker-1, same swarm:join:demo-worker-2']);
    expect(swarmSteps(phases).find((s) => s.action === 'remove')).toMatchObject({ node: 'demo-manager-1', swarmNodeId: 'w1old', demote: false, description: expect.stringContaining('demo-worker-1 (node w1old) is down') });
    // A node that is down but is still one of the project's (its engine stopped) is not removed.
    const stillOurs = planDeploy(config({ topology: 'global-lb', workers: 2 }), facts(nodes, { recordedClusterId: 'c1', swarmNodes: swarmNodes.map((n) => (n.id === 'w2' ? { ...n, status: 'Down' } : n)) }));
    expect(swarmSteps(stillOurs).filter((s) => s.action === 'remove').map((s) => s.id)).toEqual(['swarm:remove:w1old']);
  });

  it('the first of three managers replaced: another manager of the swarm leads, the new droplet joins it as a manager, the lost one is demoted and removed', () => {
    const nodes: NodeFacts[] = [
      { name: 'demo-manager-1', role: 'manager', swarm: inactive, projectExists: false },
      { name: 'demo-manager-2', role: 'manager', swarm: lead('m2'), projectExists: true },
      { name: 'demo-manager-3', role: 'manager', swarm: lead('m3'), projectExists: true },
      { name: 'demo-worker-1', role: 'worker', swarm: worker('w1'), projectExists: true },
    ];
    const swarmNodes = [
      { id: 'm1old', hostname: 'demo-manager-1', status: 'Down', managerStatus: 'Unreachable' },
      { id: 'm2', hostname: 'demo-manager-2', status: 'Ready', managerStatus: 'Leader' },
      { id: 'm3', hostname: 'demo-manager-3', status: 'Ready', managerStatus: 'Reachable' },
      { id: 'w1', hostname: 'demo-worker-1', status: 'Ready', managerStatus: '' },
    ];
    const phases = planDeploy(config({ topology: 'dedicated', managers: 3, workers: 1 }), facts(nodes, { recordedClusterId: 'c1', swarmNodes }));
    expect(summary(phases).slice(1, 3)).toEqual([
      'swarm: same swarm:init:demo-manager-2, delete swarm:remove:m1old',
      'join: create swarm:join:demo-manager-1, same swarm:join:demo-manager-3, same swarm:join:demo-worker-1',
    ]);
    const steps = swarmSteps(phases);
    expect(steps.find((s) => s.id === 'swarm:join:demo-manager-1')).toMatchObject({ role: 'manager', manager: 'demo-manager-2' });
    expect(steps.find((s) => s.action === 'remove')).toMatchObject({ node: 'demo-manager-2', demote: true });
    expect(phases.flatMap((p) => p.steps).find((s) => s.kind === 'stack')).toMatchObject({ node: 'demo-manager-2' });
  });

  it('the only manager lost, no secrets: says the swarm, its secrets and configs are gone; a new swarm is made, the workers leave the old one first, the stack is deployed', () => {
    const c = config({ topology: 'global-lb', workers: 2 });
    const nodes: NodeFacts[] = [
      { name: 'demo-manager-1', role: 'manager', swarm: inactive, projectExists: false },
      { name: 'demo-worker-1', role: 'worker', swarm: worker('w1'), projectExists: true },
      { name: 'demo-worker-2', role: 'worker', swarm: { ...worker('w2'), state: 'pending', error: 'no manager reachable' }, projectExists: true },
    ];
    const phases = planDeploy(c, facts(nodes, { recordedClusterId: 'c1' }));
    const init = swarmSteps(phases).find((s) => s.action === 'init')!;
    expect(init.op).toBe('create');
    expect(init.warning).toBe('the swarm demo ran in (cluster c1) is gone: none of its managers is left, and its secrets and configs went with it. A new swarm is made, the other nodes leave the old one and join it, and the stack is deployed again');
    expect(swarmSteps(phases).filter((s) => s.action === 'join').map((s) => [s.id, s.op, s.action === 'join' && s.leaveFirst])).toEqual([
      ['swarm:join:demo-worker-1', 'update', true],
      ['swarm:join:demo-worker-2', 'update', true],
    ]);
    expect(phases.map((p) => p.name)).toContain('stack');
    expect(secretsToSetAgain(c, facts(nodes, { recordedClusterId: 'c1' }))).toEqual([]);
    // The first apply of a project (no swarm recorded) has no such warning.
    const first = planDeploy(c, facts(nodes.map((n) => ({ ...n, swarm: inactive }))));
    expect(swarmSteps(first).find((s) => s.action === 'init')?.warning).toBeUndefined();
  });

  it('the only manager lost, with a declared secret: only the new manager is made; the workers stay in the old swarm, serving, until the secret is set again', () => {
    const c = config({ topology: 'global-lb', workers: 2 });
    c.sites[0]!.service.secrets = ['db_password'];
    const nodes: NodeFacts[] = [
      { name: 'demo-manager-1', role: 'manager', swarm: inactive, projectExists: false },
      { name: 'demo-worker-1', role: 'worker', swarm: worker('w1'), projectExists: true },
      { name: 'demo-worker-2', role: 'worker', swarm: worker('w2'), projectExists: true },
    ];
    const lost = facts(nodes, { recordedClusterId: 'c1' });
    const phases = planDeploy(c, lost);
    expect(summary(phases)).toEqual(['nodes: create node:demo-manager-1', 'swarm: create swarm:init:demo-manager-1']);
    expect(phases[1]!.steps[0]!.warning).toMatch(/its secrets and configs went with it\. A new swarm is made on demo-manager-1; the other nodes stay in the old one, their proxies serving, until the secrets are set again: swarm-wiz secret set db_password, then swarm-wiz apply moves them over/);
    expect(secretsToSetAgain(c, lost)).toEqual(['db_password']);
    // The next apply, the secret set in the new swarm: the workers its manager does not list leave the old swarm and join.
    const next = planDeploy(c, facts([{ ...nodes[0]!, swarm: lead('m1', 'c2'), projectExists: true }, ...nodes.slice(1)], { recordedClusterId: 'c2', swarmNodes: [{ id: 'm1', hostname: 'demo-manager-1', status: 'Ready', managerStatus: 'Leader' }] }));
    expect(summary(next).slice(1, 3)).toEqual(['swarm: same swarm:init:demo-manager-1', 'join: update swarm:join:demo-worker-1, update swarm:join:demo-worker-2']);
    expect(next.map((p) => p.name)).toContain('stack');
  });

  it('a worker still in a swarm the lead does not list leaves it and joins; one the lead lists stays', () => {
    const nodes: NodeFacts[] = [
      { name: 'demo-manager-1', role: 'manager', swarm: lead('m1'), projectExists: true },
      { name: 'demo-worker-1', role: 'worker', swarm: worker('stray'), projectExists: true },
      { name: 'demo-worker-2', role: 'worker', swarm: worker('w2'), projectExists: true },
    ];
    const swarmNodes = [
      { id: 'm1', hostname: 'demo-manager-1', status: 'Ready', managerStatus: 'Leader' },
      { id: 'w2', hostname: 'demo-worker-2', status: 'Ready', managerStatus: '' },
    ];
    const phases = planDeploy(config({ topology: 'global-lb', workers: 2 }), facts(nodes, { recordedClusterId: 'c1', swarmNodes }));
    expect(summary(phases)[2]).toBe('join: update swarm:join:demo-worker-1, same swarm:join:demo-worker-2');
  });
});

describe('planRenew', () => {
  const active = { nodeId: 'n1', nodeAddr: '10.0.0.2', state: 'active', isManager: true, clusterId: 'c1' };
  const support: SupportFacts = { name: 'demo-support', dir: '/srv/swarm-wiz/demo', desiredFiles: new Map([['swarm-wiz.yaml', 'c'.repeat(64)]]), crontabMatches: true, unauthorized: [], token: false };
  const manager = (): NodeFacts[] => [{ name: 'm', role: 'manager', swarm: active, projectExists: false, proxyFiles: new Map() }];

  it('holds only the certificates, their rollout and the support server: the same steps planDeploy has for them', () => {
    const c = config({ topology: 'manager', workers: 0 });
    const f = facts(manager(), { recordedClusterId: 'c1', stack: { composePath: '/x', env: {}, hash: 'h2', recordedHash: 'h1' }, support });
    const renew = planRenew(c, f);
    expect(summary(renew)).toEqual(['certificates: create certificate:a.com', 'rollout: update proxy-files:rollout:m', 'support server: create support:demo-support']);
    expect(renew).toEqual(planDeploy(c, f).filter((phase) => renew.some((kept) => kept.name === phase.name)));
  });

  it('with nothing due it has no certificate order and no rollout; a redeploy rollout carries the stack (delivery: secrets)', () => {
    const due = [{ domain: 'a.com', altNames: [], due: false, reason: 'valid' }];
    expect(summary(planRenew(config({ topology: 'manager', workers: 0 }), facts(manager(), { certificates: due })))).toEqual(['certificates: same certificate:a.com']);
    const secrets = config({ topology: 'manager', workers: 0, certificates: { ...SEED_EXAMPLE.certificates, delivery: 'secrets' } });
    const [, rollout] = planRenew(secrets, facts(manager(), { stack: { composePath: '/srv/x/docker-compose.yml', env: { A: '1' }, hash: 'h3' } }));
    expect(rollout?.steps).toEqual([expect.objectContaining({ kind: 'stack', op: 'update', id: 'stack:rollout:demo', composePath: '/srv/x/docker-compose.yml', env: { A: '1' }, hash: 'h3' })]);
  });

  it('a worker that carries no proxy and cannot be asked is left out of renew (not of apply); an unreachable proxy node still stops it', () => {
    const worker = { nodeId: 'w', nodeAddr: '10.0.0.3', state: 'active', isManager: false, clusterId: undefined };
    const gone = { nodeId: '', nodeAddr: '', state: UNREACHABLE, isManager: false, error: 'Cannot connect to the Docker daemon' };
    const nodes = (second: typeof worker | typeof gone, third: typeof worker | typeof gone): NodeFacts[] => [
      ...manager(),
      { name: 'w1', role: 'worker', swarm: second, projectExists: true, proxyFiles: new Map() },
      { name: 'w2', role: 'worker', swarm: third, projectExists: true, proxyFiles: new Map() },
    ];
    const dedicated = config({ topology: 'dedicated', workers: 2 });
    const healthy = planRenew(dedicated, facts(nodes(worker, worker), { recordedClusterId: 'c1' }));
    // w2 is not the proxy node (dedicated: the first worker): its renewal is the same without it.
    expect(planRenew(dedicated, facts(nodes(worker, gone), { recordedClusterId: 'c1' }))).toEqual(healthy);
    expect(summary(healthy)).toContain('rollout: update proxy-files:rollout:w1');
    expect(() => planDeploy(dedicated, facts(nodes(worker, gone), { recordedClusterId: 'c1' }))).toThrow(/node w2: its swarm state is unreachable \(Cannot connect to the Docker daemon\)/);
    expect(() => planRenew(dedicated, facts(nodes(gone, worker), { recordedClusterId: 'c1' }))).toThrow(/node w1: its swarm state is unreachable/);
  });

  it('still checks the swarm: a node in another swarm stops renew as it stops apply', () => {
    const other = { nodeId: 'x', nodeAddr: '10.0.0.9', state: 'active', isManager: true, clusterId: 'other' };
    expect(() => planRenew(config({ topology: 'manager', workers: 0 }), facts([{ name: 'm', role: 'manager', swarm: other, projectExists: true }], { recordedClusterId: 'mine' }))).toThrow(/another swarm/);
  });
});

describe('planDeploy: services with volumes', () => {
  it('pins them to the first manager with a data label (on one node too), and says they update stop-first', () => {
    const c = parseConfig({
      ...SEED_EXAMPLE,
      topology: 'manager',
      workers: 0,
      sites: [{ ...SEED_EXAMPLE.sites[0]!, private: [{ name: 'a-db', image: 'postgres:16', port: 5432, volumes: ['a-db-data:/var/lib/postgresql/data'] }] }],
    });
    const label = (labels?: Record<string, string>) =>
      planDeploy(c, facts([{ name: 'local', role: 'manager', swarm: inactive, projectExists: false, ...(labels ? { labels } : {}) }]))
        .flatMap((phase) => phase.steps)
        .find((s) => s.id === 'swarm:data-label:local');
    expect(label()).toMatchObject({ op: 'create', swarmNode: 'local', labels: { 'swarm-wiz.data.a-db': 'true' } });
    expect(label()?.description).toBe(
      "a-db keeps data in named volumes: pinned to local (label swarm-wiz.data.a-db), one task, updated stop-first; a backup copies a-db's files as they are, crash-consistent (a live database's files as after a power cut): give it backup.before with a dump command for a clean copy",
    );
    expect(label({ 'swarm-wiz.data.a-db': 'true' })?.op).toBe('same');
    // With a dump command before each copy, the plan has nothing to warn of.
    const dumped = parseConfig({ ...c, sites: c.sites.map((site) => ({ ...site, private: site.private.map((svc) => ({ ...svc, backup: { before: 'pg_dumpall -U postgres > /var/lib/postgresql/data/dump.sql' } })) })) });
    const step = planDeploy(dumped, facts([{ name: 'local', role: 'manager', swarm: inactive, projectExists: false }])).flatMap((phase) => phase.steps).find((s) => s.id === 'swarm:data-label:local');
    expect(step?.description).toBe('a-db keeps data in named volumes: pinned to local (label swarm-wiz.data.a-db), one task, updated stop-first');
    expect(planDeploy(config({ topology: 'manager', workers: 0 }), facts([{ name: 'local', role: 'manager', swarm: inactive, projectExists: false }])).flatMap((p) => p.steps).filter((s) => s.id.startsWith('swarm:data-label'))).toEqual([]);
  });
});
