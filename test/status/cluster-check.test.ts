import { describe, expect, it } from 'vitest';
import { checkResultOf } from '../../src/certs/check-problem.js';
import { checkCertificates } from '../../src/certs/status-check.js';
import { checkAll, checkCluster, checkSupport, stateUnreadable, type ClusterFacts } from '../../src/status/cluster-check.js';
import type { NodeRow, ServiceRow } from '../../src/status/snapshot.js';

/** `status --check` beyond the certificates: the cluster's facts → problems with stable keys (pure). */
const node = (hostname: string, extra: Partial<NodeRow> = {}): NodeRow => ({
  hostname,
  id: `id-${hostname}`,
  role: 'worker',
  availability: 'active',
  state: 'ready',
  engineVersion: '27.0.0',
  address: '10.10.0.2',
  leader: false,
  carriesProxy: false,
  proxyTasks: 0,
  ...extra,
});
const service = (name: string, extra: Partial<ServiceRow> = {}): ServiceRow => ({ service: `demo_${name}`, name, mode: 'replicated', running: 1, desired: 1, state: 'ok', starting: 0, ...extra });
const healthy = (): ClusterFacts => ({
  cluster: { state: 'ok', via: 'demo-manager-1' },
  nodes: [node('demo-manager-1', { role: 'manager', leader: true }), node('demo-worker-1', { carriesProxy: true, proxyTasks: 1 }), node('demo-worker-2')],
  services: [service('proxy', { mode: 'global' }), service('web', { running: 2, desired: 2, healthCheck: 'GET /up', health: 'healthy' }), service('idle', { running: 0, desired: 0, state: 'stopped' })],
});
const brief = (facts: ClusterFacts) => {
  const { problems, exitCode } = checkCluster(facts);
  return { exitCode, problems: problems.map(({ key, kind, severity, line }) => ({ key, kind, severity, line })) };
};

describe('status --check: the cluster (pure)', () => {
  it('a healthy cluster, a stopped service (replicas: 0) included: no problem, exit 0', () => {
    expect(brief(healthy())).toEqual({ exitCode: 0, problems: [] });
  });

  it('no manager answered: one critical problem with the reason, nothing else', () => {
    expect(brief({ cluster: { state: 'unreachable', via: 'demo-manager-1', error: 'no answer within 15 s' }, nodes: [], services: [] })).toEqual({
      exitCode: 2,
      problems: [{ key: 'cluster:unreachable', kind: 'cluster-unreachable', severity: 'critical', line: 'cluster: no answer from a manager (demo-manager-1): no answer within 15 s' }],
    });
    expect(brief({ cluster: { state: 'pending' }, nodes: [], services: [] }).problems[0]).toMatchObject({ key: 'cluster:unreachable', line: 'cluster: no answer from a manager: no answer yet' });
  });

  it('a node down: critical for a manager or a proxy node, a warning for another worker; drained or paused: a warning', () => {
    const facts = healthy();
    facts.nodes = [
      node('demo-manager-2', { role: 'manager', state: 'unknown' }),
      node('demo-worker-1', { carriesProxy: true, state: 'down' }),
      node('demo-worker-2', { state: 'down' }),
      node('demo-worker-3', { availability: 'drain' }),
      node('demo-worker-4', { availability: 'pause', carriesProxy: true }),
    ];
    expect(brief(facts)).toEqual({
      exitCode: 2,
      problems: [
        { key: 'node:demo-manager-2:down', kind: 'node-down', severity: 'critical', line: 'node demo-manager-2 (manager): unknown, availability active' },
        { key: 'node:demo-worker-1:down', kind: 'node-down', severity: 'critical', line: 'node demo-worker-1 (worker, carries the proxy): down, availability active' },
        { key: 'node:demo-worker-2:down', kind: 'node-down', severity: 'warning', line: 'node demo-worker-2 (worker): down, availability active' },
        { key: 'node:demo-worker-3:not-active', kind: 'node-not-active', severity: 'warning', line: 'node demo-worker-3 (worker): availability drain; Swarm places no new task there' },
        { key: 'node:demo-worker-4:not-active', kind: 'node-not-active', severity: 'warning', line: 'node demo-worker-4 (worker, carries the proxy): availability pause; Swarm places no new task there' },
      ],
    });
  });

  it('services below their replicas: a warning with the last task error; the proxy with none running: critical; unhealthy: its own warning', () => {
    const facts = healthy();
    facts.services = [
      service('proxy', { running: 1, desired: 3, state: 'degraded' }),
      service('web', { running: 0, desired: 1, state: 'down', lastError: 'task: non-zero exit (3)', lastErrorTask: 'demo_web.1 on demo-worker-2: Failed 3 seconds ago' }),
      service('sick', { running: 0, desired: 1, state: 'down', healthCheck: 'pg_isready -U postgres', health: 'unhealthy', starting: 1 }),
      service('gone', { running: 0, desired: 0, state: 'missing' }),
    ];
    expect(brief(facts)).toEqual({
      exitCode: 1,
      problems: [
        { key: 'service:proxy:below-desired', kind: 'service-below-desired', severity: 'warning', line: 'service proxy: 1/3 running' },
        { key: 'service:web:below-desired', kind: 'service-below-desired', severity: 'warning', line: 'service web: 0/1 running; last task error: task: non-zero exit (3)' },
        { key: 'service:sick:below-desired', kind: 'service-below-desired', severity: 'warning', line: 'service sick: 0/1 running' },
        { key: 'service:sick:unhealthy', kind: 'service-unhealthy', severity: 'warning', line: 'service sick: unhealthy: pg_isready -U postgres failed' },
        { key: 'service:gone:missing', kind: 'service-missing', severity: 'warning', line: 'service gone: not in the stack' },
      ],
    });
    facts.services = [service('proxy', { running: 0, desired: 2, state: 'down' }), service('web')];
    expect(brief(facts)).toEqual({ exitCode: 2, problems: [{ key: 'service:proxy:below-desired', kind: 'service-below-desired', severity: 'critical', line: 'service proxy: 0/2 running' }] });
    facts.services = [service('proxy', { running: 0, desired: 0, state: 'missing' })];
    expect(brief(facts).problems).toEqual([{ key: 'service:proxy:missing', kind: 'service-missing', severity: 'critical', line: 'service proxy: not in the stack' }]);
  });

  it('the keys stay the same while a problem lasts (no counts, no times); what a manager says is shown made safe', () => {
    const facts = healthy();
    facts.nodes = [node('demo-worker-2', { state: 'down' })];
    facts.services = [service('web', { running: 1, desired: 3, state: 'degraded', lastError: 'first' })];
    const before = checkCluster(facts).problems.map((problem) => problem.key);
    facts.nodes = [node('demo-worker-2', { state: 'disconnected' })];
    facts.services = [service('web', { running: 2, desired: 3, state: 'degraded', lastError: 'second' })];
    expect(checkCluster(facts).problems.map((problem) => problem.key)).toEqual(before);
    facts.nodes = [node('evil\u001b]0;pwned\u0007', { state: 'down' })];
    const [problem] = checkCluster(facts).problems;
    expect(problem?.line).toBe('node evil (worker): down, availability active');
    expect(problem?.key).toBe('node:evil:down');
  });
});

describe('status --check: the support server and the whole (pure)', () => {
  it('the support droplet not answering over SSH: critical, keyed by its name; answering or not asked: nothing', () => {
    expect(checkSupport({ name: 'demo-support', state: 'unreachable', error: 'connection timed out' })).toEqual({
      exitCode: 2,
      problems: [{ key: 'support:demo-support:unreachable', kind: 'support-unreachable', severity: 'critical', line: 'support server demo-support: no answer over SSH (connection timed out); renewals run there (if its droplet was deleted, swarm-wiz apply makes it again)' }],
    });
    expect(checkSupport({ name: 'demo-support', state: 'ok' })).toEqual({ exitCode: 0, problems: [] });
    expect(checkSupport(undefined)).toEqual({ exitCode: 0, problems: [] });
  });

  it('checkAll: every problem, critical first (stable otherwise), the exit code of the worst', () => {
    const warning = { key: 'w', kind: 'service-unhealthy' as const, severity: 'warning' as const, line: 'w' };
    const critical = { key: 'c', kind: 'node-down' as const, severity: 'critical' as const, line: 'c' };
    const certs = checkCertificates([{ domain: 'a.test', names: ['a.test'], health: 'missing', live: [] }], new Date());
    const all = checkAll(checkResultOf([warning]), certs, checkResultOf([critical]), checkResultOf([stateUnreadable('state.json: not JSON')]));
    expect(all.exitCode).toBe(2);
    expect(all.problems.map((problem) => problem.key)).toEqual(['cert:a.test:missing', 'c', 'state:unreadable', 'w']);
    expect(checkAll(checkResultOf([warning]), checkResultOf([])).exitCode).toBe(1);
    expect(checkAll().exitCode).toBe(0);
  });
});
