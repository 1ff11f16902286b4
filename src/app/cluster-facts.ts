import { existsSync } from 'node:fs';
import { sshKeyPath } from '../adapters/ssh-key.js';
import { nodeInspect, nodeList, parseNodeInspect, parseNodeList, parseServiceTasks, parseStackServices, servicesTasks, stackServices } from '../commands/index.js';
import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';
import type { ClusterFacts } from '../status/cluster-check.js';
import { nodeRows, serviceRows } from '../status/cluster-rows.js';
import type { ClusterView } from '../status/snapshot.js';
import type { Shell } from '../targets/target.js';
import { errorLine } from '../text/remote-text.js';
import { reachManager, type ConnectNodes } from './manager.js';

export const DEFAULT_CLUSTER_TIMEOUT_MS = 15_000;

export interface ClusterQuery {
  config: Config;
  dir: string;
  /** `local`: ask this machine's engine whatever the state says. */
  target?: 'local';
  /** The recorded state, when there is one (it says where the managers are). */
  state?: State;
  /** The whole query's limit (SSH to the manager and every docker command): default 15 s. */
  timeoutMs?: number;
  /** How droplets are reached (default: SSH with the project's key); tests pass their own. */
  connect?: ConnectNodes;
}

/**
 * The nodes and the stack as a manager says (over SSH, or this machine's engine), within the cluster
 * limit: a manager that does not answer in time, or at all, is `unreachable` with the reason. Never
 * rejects. `status` shows these; `status --check` turns them into problems.
 */
export async function clusterFacts(query: ClusterQuery): Promise<ClusterFacts> {
  const { config, dir, state } = query;
  const limitMs = query.timeoutMs ?? DEFAULT_CLUSTER_TIMEOUT_MS;
  const unreachable = (error: string, via?: string): ClusterFacts => ({ cluster: { state: 'unreachable', error, ...(via ? { via } : {}) } as ClusterView, nodes: [], services: [] });
  if (query.target !== 'local' && state?.target === 'digitalocean' && !existsSync(sshKeyPath(dir))) return unreachable(`no SSH key at ${sshKeyPath(dir)} to reach a manager with`);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limitMs);
  let via: string | undefined;
  try {
    const access = await reachManager({ dir, project: config.project, ...(query.target ? { target: query.target } : {}), ...(state ? { state } : {}), ...(query.connect ? { connect: query.connect } : {}) });
    via = access.manager;
    try {
      return { cluster: { state: 'ok', via }, ...(await askManager(config, access.target.shell(access.manager), abort.signal, limitMs)) };
    } finally {
      await access.dispose();
    }
  } catch (error) {
    if (abort.signal.aborted) return unreachable(`no answer within ${limitMs / 1000} s`, via);
    return unreachable(errorLine(error), via);
  } finally {
    clearTimeout(timer);
  }
}

async function askManager(config: Config, shell: Shell, signal: AbortSignal, timeoutMs: number): Promise<Pick<ClusterFacts, 'nodes' | 'services'>> {
  const run = async (command: Parameters<Shell['run']>[0]) => (await shell.run(command, { signal, timeoutMs })).stdout;
  // Two rounds of docker commands, each asked at once: the lists, then the details they name.
  const [ids, services] = await Promise.all([run(nodeList).then((out) => parseNodeList(out).map((node) => node.id)), run(stackServices(config.project)).then(parseStackServices)]);
  const [nodes, tasks] = await Promise.all([
    run(nodeInspect(ids)).then(parseNodeInspect),
    services.length > 0 ? run(servicesTasks(services.map((svc) => svc.name))).then(parseServiceTasks) : Promise.resolve([]),
  ]);
  return { nodes: nodeRows(config, nodes, tasks), services: serviceRows(config, services, tasks, nodes) };
}
