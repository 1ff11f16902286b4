import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeInspect, parseNodeInspect, parseNodeList, parseServiceTasks, parseStackServices, servicesTasks } from '../../src/commands/index.js';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { carriesProxy, nodeRows, serviceRows, taskError } from '../../src/status/cluster-rows.js';
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
    const brief = rows.map(({ name, running, desired, state, starting, lastError, healthPath }) => ({ name, running, desired, state, starting, ...(lastError ? { lastError } : {}), ...(healthPath ? { healthPath } : {}) }));
    expect(brief).toEqual([
      { name: 'proxy', running: 0, desired: 0, state: 'missing', starting: 0 },
      { name: 'web', running: 2, desired: 2, state: 'ok', starting: 0, healthPath: '/' },
      { name: 'broken', running: 0, desired: 1, state: 'down', starting: 1, lastError: 'task: non-zero exit (3)' },
      { name: 'sick', running: 0, desired: 1, state: 'down', starting: 1, lastError: 'task: non-zero exit (137): dockerexec: unhealthy container', healthPath: '/' },
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
      'service sick: down, 0/1 running (last task error: task: non-zero exit (137): dockerexec: unhealthy container)',
      'service missingimg: down, 0/1 running (last task error: No such image: cap/nope:1)',
    ]);
  });

  it('a stack that is not there: no services, every configured one missing', () => {
    expect(parseStackServices('')).toEqual([]);
    const rows = serviceRows(config, [], []);
    expect(rows).not.toEqual([]);
    expect(rows.filter((row) => row.state !== 'missing')).toEqual([]);
  });
});
