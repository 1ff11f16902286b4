import { describe, expect, it } from 'vitest';
import { renderCompose } from '../../recipes/compose.js';
import YAML from 'yaml';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { dataHolder, dataHoldLines, dataMemoryAfter, planDataHolds, planDeploy, type DeployFacts, type NodeFacts, type StackStep } from '../../src/plan/index.js';

/** a.com with a database (a volume) and a cache (none). */
const config: Config = parseConfig({
  ...SEED_EXAMPLE,
  topology: 'manager',
  workers: 0,
  sites: [{ ...SEED_EXAMPLE.sites[0]!, private: [{ name: 'a-db', image: 'postgres:17', port: 5432, volumes: ['a-db-data:/var/lib/postgresql/data'] }, { name: 'a-cache', image: 'redis:7', port: 6379 }] }],
});
const LABEL = 'swarm-wiz.data.a-db';
const active = (id: string, cluster = 'c1') => ({ nodeId: id, nodeAddr: '10.110.0.2', state: 'active', isManager: true, clusterId: cluster });
const labelled: NodeFacts = { name: 'demo-manager-1', role: 'manager', swarm: active('n1'), projectExists: true, labels: { [LABEL]: 'true' } };
/** The same droplet name after the droplet was replaced: a new engine, in no swarm, no labels. */
const replacement: NodeFacts = { name: 'demo-manager-1', role: 'manager', swarm: { nodeId: '', nodeAddr: '', state: 'inactive', isManager: false }, projectExists: false };
const placed = { placed: ['a-db'], held: [] };
const withBackups = { backupsSetUp: true, startEmpty: false };

describe('planDataHolds: a service whose data droplet was replaced', () => {
  it('the first apply (nothing placed yet) holds nothing, with or without backups', () => {
    expect(planDataHolds(config, replacement, undefined, withBackups)).toEqual({ held: [], startEmpty: [] });
    expect(planDataHolds(config, replacement, { placed: [], held: [] }, withBackups)).toEqual({ held: [], startEmpty: [] });
  });

  it('the node holding the data still carries its label: nothing is held', () => {
    expect(planDataHolds(config, labelled, placed, withBackups)).toEqual({ held: [], startEmpty: [] });
  });

  it('the droplet was replaced and backups exist: held at 0 replicas (the service without volumes never is)', () => {
    expect(planDataHolds(config, replacement, placed, withBackups)).toEqual({ held: ['a-db'], startEmpty: [] });
    // Its label on another node does not count: the label names the node the data lives on.
    expect(planDataHolds(config, { ...labelled, labels: { 'swarm-wiz.data.other': 'true' } }, placed, withBackups).held).toEqual(['a-db']);
  });

  it('held once, held until restore: the next apply finds the new node labelled and still holds it', () => {
    expect(planDataHolds(config, labelled, { placed: ['a-db'], held: ['a-db'] }, withBackups).held).toEqual(['a-db']);
    // A held service taken out of swarm-wiz.yaml is forgotten.
    const without = parseConfig({ ...SEED_EXAMPLE, topology: 'manager', workers: 0, sites: [{ ...SEED_EXAMPLE.sites[0]!, private: [] }] });
    expect(planDataHolds(without, labelled, { placed: ['a-db'], held: ['a-db'] }, withBackups).held).toEqual([]);
  });

  it('no backups set up: it starts on an empty volume, and the plan says so', () => {
    const holds = planDataHolds(config, replacement, placed, { backupsSetUp: false, startEmpty: false });
    expect(holds).toEqual({ held: [], startEmpty: ['a-db'], because: 'no-backups' });
    expect(dataHoldLines(holds)).toEqual(['a-db starts on an empty volume: the droplet that held its data was replaced and no backups are set up (swarm-wiz backup setup)']);
  });

  it('--start-empty starts it (and one held before) on an empty volume, saying so', () => {
    expect(planDataHolds(config, replacement, placed, { backupsSetUp: true, startEmpty: true })).toEqual({ held: [], startEmpty: ['a-db'], because: 'start-empty' });
    expect(planDataHolds(config, labelled, { placed: ['a-db'], held: ['a-db'] }, { backupsSetUp: true, startEmpty: true })).toMatchObject({ held: [], startEmpty: ['a-db'] });
    expect(planDataHolds(config, labelled, placed, { backupsSetUp: true, startEmpty: true })).toEqual({ held: [], startEmpty: [] });
  });

  it('what the state remembers after the stack ran: every service with volumes placed, the holds as planned', () => {
    expect(dataMemoryAfter(config, { held: ['a-db'], startEmpty: [] })).toEqual({ placed: ['a-db'], held: ['a-db'] });
  });
});

describe('the holder, the stack file and the plan', () => {
  const facts = (nodes: NodeFacts[], overrides: Partial<DeployFacts> = {}): DeployFacts => ({
    nodes,
    projectDir: '/srv/swarm-wiz/demo',
    proxyDir: '/srv/swarm-wiz/demo/proxy',
    desiredProxyFiles: new Map(),
    services: [{ name: 'demo_proxy', mode: 'replicated', running: 1, desired: 1, image: 'x' }],
    stack: { composePath: '/srv/swarm-wiz/demo/docker-compose.yml', env: {}, hash: 'h2', recordedHash: 'h1' },
    certificates: [],
    recordedClusterId: 'c1',
    ...overrides,
  });

  it('the holder is the node the data label goes to: the lead manager of the recorded swarm, else the first', () => {
    const m2: NodeFacts = { name: 'demo-manager-2', role: 'manager', swarm: active('n2'), projectExists: true };
    expect(dataHolder({ nodes: [replacement, m2], recordedClusterId: 'c1' })?.name).toBe('demo-manager-2');
    expect(dataHolder({ nodes: [replacement], recordedClusterId: 'c1' })).toBe(replacement);
  });

  it('a held service is in the stack file at 0 replicas, still pinned to its data label; the others keep theirs', () => {
    const services = (YAML.parse(renderCompose(config, { held: ['a-db'] })) as { services: Record<string, { deploy: { replicas: number; placement?: unknown } }> }).services;
    expect(services['a-db']!.deploy).toMatchObject({ replicas: 0, placement: { constraints: [`node.labels.${LABEL} == true`] } });
    expect(services['a-cache']!.deploy.replicas).toBe(1);
    expect((YAML.parse(renderCompose(config)) as { services: typeof services }).services['a-db']!.deploy.replicas).toBe(1);
  });

  it("the stack step warns what is held and what to run", () => {
    const holds = planDataHolds(config, replacement, placed, withBackups);
    const stack = planDeploy(config, facts([{ ...labelled }], { dataHolds: holds })).flatMap((phase) => phase.steps).find((s): s is StackStep => s.kind === 'stack');
    expect(stack?.warning).toBe('a-db is kept at 0 replicas: the droplet that held its data was replaced and backups exist; run swarm-wiz restore a-db to bring its last backup back (or apply --start-empty to start it on an empty volume)');
  });
});
