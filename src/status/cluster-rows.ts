import { remoteLine } from '../text/remote-text.js';
import { PROXY_NODE_LABEL } from '../../recipes/names.js';
import type { NodeFacts, ServiceTask, StackService } from '../commands/index.js';
import type { Config } from '../config/index.js';
import type { NodeRow, ServiceRow, ServiceState } from './snapshot.js';

/** The proxy's name in the stack (`<project>_proxy`). */
export const PROXY_SERVICE = 'proxy';

/** Every service swarm-wiz.yaml puts in the stack, in its order: the proxy, then each site's service and its private ones. */
export function expectedServices(config: Config): { name: string; healthPath?: string }[] {
  return [
    { name: PROXY_SERVICE },
    ...config.sites.flatMap((site) => [site.service, ...site.private].map((svc) => ({ name: svc.name, ...(typeof svc.health === 'string' ? { healthPath: svc.health } : {}) }))),
  ];
}

/** Whether the topology places the proxy on this node (the placement constraints compose renders). */
export function carriesProxy(config: Pick<Config, 'topology'>, node: Pick<NodeFacts, 'role' | 'labels'>): boolean {
  switch (config.topology) {
    case 'manager':
      return node.role === 'manager';
    case 'dedicated':
    case 'per-domain':
      return node.role === 'worker' && node.labels[PROXY_NODE_LABEL] === 'true';
    case 'global-lb':
      return node.role === 'worker';
  }
}

/** The service a task belongs to: `demo_a.1` → `demo_a`, `demo_proxy.<node id>` → `demo_proxy`. */
export const serviceOfTask = (taskName: string): string => taskName.replace(/\.[^.]+$/, '');

/** `"task: non-zero exit (3)"` (docker quotes task errors) → `task: non-zero exit (3)`. */
export const taskError = (error: string): string => remoteLine(error.trim().replace(/^"(.*)"$/s, '$1'));

const isRunning = (task: ServiceTask) => task.desiredState === 'Running' && /^Running\b/.test(task.currentState);
const isStarting = (task: ServiceTask) => (task.desiredState === 'Running' || task.desiredState === 'Ready') && /^(Starting|Preparing|Assigned|Accepted|Ready|Pending|New)\b/.test(task.currentState);

/** The nodes as rows: who they are, and whether they carry the proxy by the topology and by what runs there. */
export function nodeRows(config: Config, nodes: readonly NodeFacts[], tasks: readonly ServiceTask[]): NodeRow[] {
  const proxy = `${config.project}_${PROXY_SERVICE}`;
  return nodes.map((node) => ({
    hostname: node.hostname,
    id: node.id,
    role: node.role,
    availability: node.availability,
    state: node.state,
    engineVersion: node.engineVersion,
    address: node.address,
    leader: node.leader,
    carriesProxy: carriesProxy(config, node),
    proxyTasks: tasks.filter((task) => serviceOfTask(task.name) === proxy && task.node === node.hostname && isRunning(task)).length,
  }));
}

function stateOf(running: number, desired: number): ServiceState {
  if (desired === 0) return 'stopped';
  if (running >= desired) return 'ok';
  return running === 0 ? 'down' : 'degraded';
}

/**
 * The stack's services as rows, in swarm-wiz.yaml's order (then any other service of the stack):
 * replicas running/desired from `docker stack services`, tasks starting and the newest task error from
 * `docker service ps` (newest first within each slot, as docker lists them). A service of the config
 * that the stack lacks is `missing`.
 */
export function serviceRows(config: Config, services: readonly StackService[], tasks: readonly ServiceTask[]): ServiceRow[] {
  const prefix = `${config.project}_`;
  const expected = expectedServices(config);
  const names = [...expected.map((svc) => `${prefix}${svc.name}`), ...services.map((svc) => svc.name).filter((name) => !expected.some((svc) => `${prefix}${svc.name}` === name))];
  return names.map((service): ServiceRow => {
    const name = service.startsWith(prefix) ? service.slice(prefix.length) : service;
    const healthPath = expected.find((svc) => svc.name === name)?.healthPath;
    const listed = services.find((svc) => svc.name === service);
    const own = tasks.filter((task) => serviceOfTask(task.name) === service);
    const failed = own.find((task) => taskError(task.error) !== '');
    const base = { service, name, ...(healthPath ? { healthPath } : {}), starting: own.filter(isStarting).length };
    const error = failed ? { lastError: taskError(failed.error), lastErrorTask: `${failed.name} on ${failed.node}: ${failed.currentState}` } : {};
    if (!listed) return { ...base, mode: '', running: 0, desired: 0, state: 'missing', ...error };
    return { ...base, mode: listed.mode, running: listed.running, desired: listed.desired, state: stateOf(listed.running, listed.desired), ...error };
  });
}
