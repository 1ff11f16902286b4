import { remoteLine } from '../text/remote-text.js';
import { APP_HEALTH_TIMING } from '../../recipes/compose.js';
import { PROXY_NODE_LABEL } from '../../recipes/names.js';
import type { NodeFacts, ServiceTask, StackService } from '../commands/index.js';
import type { Config, HealthCheck } from '../config/index.js';
import type { NodeRow, ServiceHealth, ServiceRow, ServiceState } from './snapshot.js';

/** The proxy's name in the stack (`<project>_proxy`). */
export const PROXY_SERVICE = 'proxy';

/** A health check in words: `GET /up` for a path, the command's words for a command (a word with a space, a quote or nothing in it quoted). */
export function describeHealthCheck(health: HealthCheck): string {
  if (typeof health === 'string') return `GET ${health}`;
  return health.cmd.map((word) => (/^[^\s"'\\]+$/.test(word) ? word : JSON.stringify(word))).join(' ');
}

/** Every service swarm-wiz.yaml puts in the stack, in its order: the proxy, then each site's service and its private ones, with their health checks. */
export function expectedServices(config: Config): { name: string; health?: HealthCheck }[] {
  return [
    { name: PROXY_SERVICE },
    ...config.sites.flatMap((site) => [site.service, ...site.private].map((svc) => ({ name: svc.name, ...(svc.health ? { health: svc.health } : {}) }))),
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

/** Swarm's error for a task it stopped because its health check failed (moby: ErrContainerUnhealthy). */
const UNHEALTHY_ERROR = /\bunhealthy container\b/;

/**
 * How long after a task starts its first check has surely answered: Docker runs it one interval after
 * the container starts and gives it its timeout (plus a little for the container's own start).
 */
export const FIRST_CHECK_SECONDS = APP_HEALTH_TIMING.intervalSeconds + APP_HEALTH_TIMING.timeoutSeconds + 2;

/**
 * The health of a service with a check, from its tasks (`docker service ps`: each slot's tasks newest
 * first). Swarm counts a task running only once its check passed and keeps it `Starting` until then,
 * so: healthy when every wanted task runs; unhealthy when a task has been Starting for longer than its
 * first check takes (the check ran and did not pass), or when Swarm stopped the task before it for
 * failing the check (`unhealthy container`; a process that exits 0 when stopped leaves no such error,
 * hence the time); starting when a task's container started but its first check has not answered yet;
 * undefined when no task got that far (no image, no node: the task error says why). Swarm stops a
 * task whose check still fails after the start period, and starts another.
 */
function healthOf(running: number, desired: number, tasks: readonly ServiceTask[]): ServiceHealth | undefined {
  if (desired > 0 && running >= desired) return 'healthy';
  const slots = new Map<string, ServiceTask[]>();
  for (const task of tasks) slots.set(task.name, [...(slots.get(task.name) ?? []), task]);
  let starting = false;
  for (const [newest, previous] of slots.values()) {
    if (!newest || newest.desiredState !== 'Running' || !/^Starting\b/.test(newest.currentState)) continue;
    if ((newest.stateSeconds ?? 0) >= FIRST_CHECK_SECONDS || (previous && UNHEALTHY_ERROR.test(previous.error))) return 'unhealthy';
    starting = true;
  }
  return starting ? 'starting' : undefined;
}

/**
 * The stack's services as rows, in swarm-wiz.yaml's order (then any other service of the stack):
 * replicas running/desired from `docker stack services` (less the tasks Swarm still counts on nodes that
 * are down), tasks starting and the newest task error from
 * `docker service ps` (newest first within each slot, as docker lists them), and for a service with a
 * health check, what it runs and its health. A service of the config that the stack lacks is `missing`.
 */
export function serviceRows(config: Config, services: readonly StackService[], tasks: readonly ServiceTask[], nodes: readonly Pick<NodeFacts, 'hostname' | 'state'>[] = []): ServiceRow[] {
  // A node that stopped answering cannot report its tasks stopped: Swarm (20.10 here) keeps counting
  // them running, and moves them only where the placement allows. They run nowhere anyone can reach.
  const gone = new Set(nodes.filter((node) => node.state !== 'ready').map((node) => node.hostname));
  // Counted whatever their desired state: Swarm marks them Shutdown when it gives up on them, and still counts them.
  const onGoneNodes = (service: string) => tasks.filter((task) => serviceOfTask(task.name) === service && gone.has(task.node) && /^Running\b/.test(task.currentState)).length;
  const prefix = `${config.project}_`;
  const expected = expectedServices(config);
  const names = [...expected.map((svc) => `${prefix}${svc.name}`), ...services.map((svc) => svc.name).filter((name) => !expected.some((svc) => `${prefix}${svc.name}` === name))];
  return names.map((service): ServiceRow => {
    const name = service.startsWith(prefix) ? service.slice(prefix.length) : service;
    const health = expected.find((svc) => svc.name === name)?.health;
    const listed = services.find((svc) => svc.name === service);
    const own = tasks.filter((task) => serviceOfTask(task.name) === service);
    const failed = own.find((task) => taskError(task.error) !== '');
    const check = health ? { ...(typeof health === 'string' ? { healthPath: health } : {}), healthCheck: describeHealthCheck(health) } : {};
    const base = { service, name, ...check, starting: own.filter(isStarting).length };
    const error = failed ? { lastError: taskError(failed.error), lastErrorTask: `${failed.name} on ${failed.node}: ${failed.currentState}` } : {};
    if (!listed) return { ...base, mode: '', running: 0, desired: 0, state: 'missing', ...error };
    const running = Math.max(0, listed.running - onGoneNodes(service));
    const state = stateOf(running, listed.desired);
    const healthState = health && state !== 'stopped' ? healthOf(running, listed.desired, own) : undefined;
    return { ...base, mode: listed.mode, running, desired: listed.desired, state, ...(healthState ? { health: healthState } : {}), ...error };
  });
}
