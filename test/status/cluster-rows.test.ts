import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeInspect, parseNodeInspect, parseNodeList, parseServiceTasks, parseStackServices, servicesTasks, stateAgeSeconds } from '../../src/commands/index.js';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { carriesProxy, describeHealthCheck, FIRST_CHECK_SECONDS, nodeRows, serviceRows, taskError } from '../../src/status/cluster-rows.js';
import { problemsOf, type StatusSnapshot } from '../../src/status/snapshot.js';

/**
 * The docker output `swarm-wiz status` reads, as docker 20.10 (Debian 12's docker.io) printed it for
 * fixtures/compose.yml on a one-node swarm: web (2 healthy replicas), broken (exits 3), sick (fails its
 * health check), glob (global), stopped (replicas 0), missingimg (an image that is nowhere).
 */
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

const svc = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: `cap/${name}:1`, port: 5000, ...extra });
const config: Config = parseConfig({
  ...SEED_EXAMPLE,
  project: 'cap',
  sites: [
    { domain: 'a.test', service: svc('web', { health: '/' }), private: [svc('broken'), svc('sick', { health: '/' }), svc('stopped', { replicas: 0 }), svc('missingimg')] },
    { domain: 'b.test', service: svc('glob') },
  ],
  certificates: { ...SEED_EXAMPLE.certificates, email: 'ops@a.test' },
});

describe('docker output → status rows', () => {
  it('builds the commands as argv', () => {
    expect(nodeInspect(['n1', 'n2']).argv).toEqual(['docker', 'node', 'inspect', 'n1', 'n2']);
    expect(servicesTasks(['cap_web', 'cap_sick']).argv).toEqual(['docker', 'service', 'ps', '--no-trunc', '--format', '{{json .}}', 'cap_web', 'cap_sick']);
  });

  it('nodes: node ls for the IDs, node inspect for role, availability, state, engine, labels', () => {
    expect(parseNodeList(fixture('node-ls.jsonl')).map((node) => node.id)).toEqual(['vesnf83fi3wu8uhc36pkb40eb']);
    const nodes = parseNodeInspect(fixture('node-inspect.json'));
    expect(nodes).toEqual([
      {
        id: 'vesnf83fi3wu8uhc36pkb40eb',
        hostname: 'vm',
        role: 'manager',
        availability: 'active',
        state: 'ready',
        engineVersion: '20.10.24+dfsg1',
        address: '192.168.231.1',
        labels: { 'swarm-wiz.proxy': 'true' },
        leader: true,
        reachability: 'reachable',
      },
    ]);
    const tasks = parseServiceTasks(fixture('service-ps.jsonl'));
    // Topology manager: the proxy goes on managers; no proxy task runs in this stack.
    expect(nodeRows(config, nodes, tasks)).toEqual([
      { hostname: 'vm', id: 'vesnf83fi3wu8uhc36pkb40eb', role: 'manager', availability: 'active', state: 'ready', engineVersion: '20.10.24+dfsg1', address: '192.168.231.1', leader: true, carriesProxy: true, proxyTasks: 0 },
    ]);
  });

  it('which nodes carry the proxy, per topology', () => {
    const manager = { role: 'manager', labels: {} };
    const labelled = { role: 'worker', labels: { 'swarm-wiz.proxy': 'true' } };
    const worker = { role: 'worker', labels: {} };
    expect([manager, labelled, worker].map((node) => carriesProxy({ topology: 'manager' }, node))).toEqual([true, false, false]);
    expect([manager, labelled, worker].map((node) => carriesProxy({ topology: 'dedicated' }, node))).toEqual([false, true, false]);
    expect([manager, labelled, worker].map((node) => carriesProxy({ topology: 'per-domain' }, node))).toEqual([false, true, false]);
    expect([manager, labelled, worker].map((node) => carriesProxy({ topology: 'global-lb' }, node))).toEqual([false, true, true]);
  });

  it('services: replicas running/desired, tasks starting, the newest task error (unquoted); a configured service not in the stack is missing', () => {
    const services = parseStackServices(fixture('stack-services.jsonl'));
    const tasks = parseServiceTasks(fixture('service-ps.jsonl'));
    expect(taskError('"task: non-zero exit (3)"')).toBe('task: non-zero exit (3)');
    const rows = serviceRows(config, services, tasks);
    const brief = rows.map(({ name, running, desired, state, starting, lastError, healthPath, healthCheck, health }) => ({ name, running, desired, state, starting, ...(lastError ? { lastError } : {}), ...(healthPath ? { healthPath } : {}), ...(healthCheck ? { healthCheck } : {}), ...(health ? { health } : {}) }));
    expect(brief).toEqual([
      { name: 'proxy', running: 0, desired: 0, state: 'missing', starting: 0 },
      { name: 'web', running: 2, desired: 2, state: 'ok', starting: 0, healthPath: '/', healthCheck: 'GET /', health: 'healthy' },
      { name: 'broken', running: 0, desired: 1, state: 'down', starting: 1, lastError: 'task: non-zero exit (3)' },
      // Swarm stopped a task for failing its check; the one after it has not passed it yet.
      { name: 'sick', running: 0, desired: 1, state: 'down', starting: 1, lastError: 'task: non-zero exit (137): dockerexec: unhealthy container', healthPath: '/', healthCheck: 'GET /', health: 'unhealthy' },
      { name: 'stopped', running: 0, desired: 0, state: 'stopped', starting: 0 },
      { name: 'missingimg', running: 0, desired: 1, state: 'down', starting: 0, lastError: 'No such image: cap/nope:1' },
      { name: 'glob', running: 1, desired: 1, state: 'ok', starting: 0 },
    ]);
    expect(rows.find((row) => row.name === 'broken')?.lastErrorTask).toBe('cap_broken.1 on vm: Failed less than a second ago');
    expect(rows.find((row) => row.name === 'glob')?.mode).toBe('global');

    const snapshot: StatusSnapshot = { project: 'cap', at: '', cluster: { state: 'ok', via: 'local' }, nodes: [], services: rows, served: [], certificates: [] };
    expect(problemsOf(snapshot)).toEqual([
      'service proxy: missing, not in the stack',
      'service broken: down, 0/1 running (last task error: task: non-zero exit (3))',
      'service sick: down, 0/1 running, unhealthy: GET / failed (last task error: task: non-zero exit (137): dockerexec: unhealthy container)',
      'service missingimg: down, 0/1 running (last task error: No such image: cap/nope:1)',
    ]);
  });

  it("tasks Swarm still counts running on a node that is down are not running (the node cannot say otherwise)", () => {
    const services = parseStackServices(fixture('stack-services.jsonl'));
    const tasks = parseServiceTasks(fixture('service-ps.jsonl'));
    const web = (nodes: { hostname: string; state: string }[]) => serviceRows(config, services, tasks, nodes).find((row) => row.name === 'web')!;
    const webNodes = [...new Set(tasks.filter((task) => task.name.startsWith('cap_web.') && task.desiredState === 'Running').map((task) => task.node))];
    expect(webNodes.length).toBeGreaterThan(0);
    expect(web(webNodes.map((hostname) => ({ hostname, state: 'ready' })))).toMatchObject({ running: 2, desired: 2, state: 'ok' });
    const down = web(webNodes.map((hostname) => ({ hostname, state: 'down' })));
    expect(down).toMatchObject({ desired: 2, state: 'down' });
    expect(down.running).toBe(0);

    // As a manager reported it (20.10) 30 s after a worker's engine stopped: the old task given up
    // (Shutdown) but still Running by the last word of its node, a new one Pending, and 1/1 in the stack.
    const given = [
      { name: 'cap_web.1', node: '', desiredState: 'Ready', currentState: 'Pending less than a second ago', error: '' },
      { name: 'cap_web.1', node: 'w1', desiredState: 'Shutdown', currentState: 'Running 34 seconds ago', error: '' },
    ];
    const stack = [{ name: 'cap_web', mode: 'replicated', running: 1, desired: 1, image: 'cap/web:1' }];
    const row = (state: string) => serviceRows(config, stack, given, [{ hostname: 'w1', state }]).find((candidate) => candidate.name === 'web')!;
    expect(row('ready')).toMatchObject({ running: 1, state: 'ok' });
    expect(row('down')).toMatchObject({ running: 0, desired: 1, state: 'down' });
  });

  it('a stack that is not there: no services, every configured one missing', () => {
    expect(parseStackServices('')).toEqual([]);
    const rows = serviceRows(config, [], []);
    expect(rows).not.toEqual([]);
    expect(rows.filter((row) => row.state !== 'missing')).toEqual([]);
  });
});

/**
 * A private service `db` with `health: { cmd: [test, -f, /tmp/ready] }` (start period 60 s, interval
 * 5 s), as docker 20.10 printed its tasks during test/recipes/health-check-swarm.test.ts (SWZ_CAPTURE
 * writes them): its container running but the file missing (2 s and 10 s after it started), the file
 * made (Running), an update whose new task has no file yet (the old one serves), and Swarm's restart of
 * a task that failed its check past the start period: it exited 0 on SIGTERM, so the stopped task is
 * `Complete` with no error, and only the time a task spends Starting tells.
 */
describe('docker output → the health of a service with a command check', () => {
  const hc: Config = parseConfig({
    ...SEED_EXAMPLE,
    project: 'hc',
    sites: [{ domain: 'hc.test', service: svc('web'), private: [svc('db', { health: { cmd: ['test', '-f', '/tmp/ready'] } })] }],
    certificates: { ...SEED_EXAMPLE.certificates, email: 'ops@hc.test' },
  });
  const stack = (dbRunning: number) => [
    { name: 'hc_db', mode: 'replicated', running: dbRunning, desired: 1, image: 'swz-test/hc-db:1' },
    { name: 'hc_web', mode: 'replicated', running: 1, desired: 1, image: 'swz-test/hc-web:1' },
  ];
  const db = (file: string, dbRunning: number) => {
    const row = serviceRows(hc, stack(dbRunning), parseServiceTasks(fixture(file))).find((candidate) => candidate.name === 'db')!;
    return { running: row.running, state: row.state, health: row.health, healthCheck: row.healthCheck, starting: row.starting, healthPath: row.healthPath };
  };

  it('reads how long each task has been in its state, from the words docker prints', () => {
    expect(parseServiceTasks(fixture('health-restarted.jsonl')).map((task) => [task.currentState, task.stateSeconds])).toEqual([
      ['Starting 16 seconds ago', 16],
      ['Starting about a minute ago', 60],
      ['Complete about a minute ago', 60],
      ['Running 2 minutes ago', 120],
    ]);
    expect(['Starting less than a second ago', 'Running 1 second ago', 'Failed about an hour ago', 'Running 3 hours ago', 'Running 2 days ago', 'Running 5 weeks ago', 'Running 7 months ago', 'Running 2 years ago', 'Pending', ''].map(stateAgeSeconds)).toEqual([
      0, 1, 3600, 10_800, 172_800, 3_024_000, 18_144_000, 63_072_000, undefined, undefined,
    ]);
  });

  it('starting before its first check answered, unhealthy once it ran and failed, healthy once it passed', () => {
    const check = { healthCheck: 'test -f /tmp/ready' };
    expect(db('health-starting.jsonl', 0)).toEqual({ running: 0, state: 'down', health: 'starting', ...check, starting: 1, healthPath: undefined });
    expect(db('health-failing.jsonl', 0)).toEqual({ running: 0, state: 'down', health: 'unhealthy', ...check, starting: 1, healthPath: undefined });
    expect(db('health-passed.jsonl', 1)).toEqual({ running: 1, state: 'ok', health: 'healthy', ...check, starting: 0, healthPath: undefined });
    // An update's new task that has not passed yet: the old one still serves, so the service is healthy.
    expect(db('health-updating.jsonl', 1)).toEqual({ running: 1, state: 'ok', health: 'healthy', ...check, starting: 1, healthPath: undefined });
    expect(db('health-restarted.jsonl', 0)).toEqual({ running: 0, state: 'down', health: 'unhealthy', ...check, starting: 2, healthPath: undefined });
    expect(FIRST_CHECK_SECONDS).toBe(10);
  });

  it('status says so: the problem names the check; a passing check is no problem', () => {
    const snapshot = (file: string, dbRunning: number): StatusSnapshot => ({ project: 'hc', at: '', cluster: { state: 'ok' }, nodes: [], services: serviceRows(hc, stack(dbRunning), parseServiceTasks(fixture(file))).filter((row) => row.name !== 'proxy'), served: [], certificates: [] });
    expect(problemsOf(snapshot('health-starting.jsonl', 0))).toEqual(['service db: down, 0/1 running, starting: test -f /tmp/ready not passed yet']);
    expect(problemsOf(snapshot('health-failing.jsonl', 0))).toEqual(['service db: down, 0/1 running, unhealthy: test -f /tmp/ready failed']);
    expect(problemsOf(snapshot('health-passed.jsonl', 1))).toEqual([]);
  });

  it('a check in words: GET and the path, or the command with each word that needs it quoted', () => {
    expect(describeHealthCheck('/up?x=1')).toBe('GET /up?x=1');
    expect(describeHealthCheck({ cmd: ['pg_isready', '-U', 'postgres'] })).toBe('pg_isready -U postgres');
    expect(describeHealthCheck({ cmd: ['sh', '-c', 'redis-cli ping | grep PONG'] })).toBe('sh -c "redis-cli ping | grep PONG"');
    expect(describeHealthCheck({ cmd: ['mysqladmin', 'ping', "--password=it's"] })).toBe('mysqladmin ping "--password=it\'s"');
  });
});
