import { existsSync } from 'node:fs';
import type { EntryPoint } from '../adapters/acme/preflight.js';
import { sshKeyPath } from '../adapters/ssh-key.js';
import { checkResultOf, type CheckResult } from '../certs/check-problem.js';
import { checkCertificates } from '../certs/status-check.js';
import { reachable } from '../commands/index.js';
import type { Config } from '../config/index.js';
import { emptyState, StateStore, type State } from '../state/index.js';
import { checkAll, checkCluster, checkSupport, stateUnreadable, type ClusterFacts, type ProjectProblem, type SupportView } from '../status/cluster-check.js';
import { errorLine, remoteLine } from '../text/remote-text.js';
import { clusterFacts } from './cluster-facts.js';
import { dropletNodes } from './deploy-droplets.js';
import type { ConnectNodes } from './manager.js';
import { loadProjectState } from './project-state.js';
import { remoteTarget } from './remote.js';
import { certificateStatusOf } from './status.js';

export type { ProjectProblem } from '../status/cluster-check.js';

/** How long the support droplet has to answer `true` over SSH. */
export const DEFAULT_SUPPORT_TIMEOUT_MS = 10_000;

export interface ProjectCheckOptions {
  config: Config;
  dir: string;
  /** Connect to the entry addresses and read the certificates they serve. */
  probe: boolean;
  /** `local`: ask this machine's engine for the cluster whatever the state says (and no support droplet). */
  target?: 'local';
  /** Entry addresses to probe instead of the recorded / DNS ones. */
  entries?: EntryPoint[];
  dnsServers?: string[];
  /** A PEM file with the root to verify served certificates against (a test CA). */
  caCertFile?: string;
  now?: Date;
  /** The cluster query's limit (SSH to the manager and its docker commands): default 15 s. */
  clusterTimeoutMs?: number;
  /** The support droplet's limit to answer over SSH: default 10 s. */
  supportTimeoutMs?: number;
  /** Warnings on the way (a state.json others could read, made private): stderr in the CLI. */
  warn?: (line: string) => void;
  /** How droplets are reached (default: SSH with the project's key); tests pass their own. */
  connect?: ConnectNodes;
}

/** What a check looked at: the words of its "all fine" line. */
export type CheckedPart = 'certificates' | 'nodes' | 'services' | 'support server';

export interface ProjectCheckResult extends CheckResult<ProjectProblem> {
  /** What was looked at (a project never applied has only certificates). */
  checked: CheckedPart[];
}

/** The one line `status --check` prints when all is well: `all fine: certificates, nodes, services, support server`. */
export const allFineLine = (checked: readonly CheckedPart[]): string => `all fine: ${checked.join(', ')}`;

/**
 * `swarm-wiz status --check` (the support server's crontab, monitoring): the certificates as
 * `certs --check` sees them, plus — once the project was applied — the nodes and services a manager
 * reports, plus, from anywhere but the support server itself, whether the support droplet (where the
 * renewals run) answers over SSH. Everything is asked at once, each part within its own limit; nothing
 * rejects for a node or a manager that does not answer (that is a problem in the result). A state.json
 * that cannot be read is a critical problem of its own: the alarm is never quiet on input it cannot
 * trust. Prints nothing.
 */
export async function projectCheck(options: ProjectCheckOptions): Promise<ProjectCheckResult> {
  const { config, dir } = options;
  const now = options.now ?? new Date();
  const connect = options.connect ?? remoteTarget;
  let state: State | undefined;
  let unreadable: ReturnType<typeof stateUnreadable> | undefined;
  try {
    state = await loadProjectState(dir, config.project, options.warn ?? (() => undefined));
  } catch (error) {
    unreadable = stateUnreadable(remoteLine(errorLine(error)));
  }
  const applied = options.target === 'local' || state?.target !== undefined;
  // The support droplet checks itself from its crontab by running this; from there it is not asked.
  const askSupport = options.target !== 'local' && state?.target === 'digitalocean' && state.runsOn === undefined;
  const [rows, cluster, support] = await Promise.all([
    certificateStatusOf({
      config,
      dir,
      // Unreadable: the entries come from DNS (the state's problem is reported on its own).
      state: async () => state ?? emptyState(config.project),
      probe: options.probe,
      ...(options.entries ? { entries: options.entries } : {}),
      ...(options.dnsServers ? { dnsServers: options.dnsServers } : {}),
      ...(options.caCertFile ? { caCertFile: options.caCertFile } : {}),
      now,
    }),
    applied ? clusterFacts({ config, dir, ...(options.target ? { target: options.target } : {}), ...(state ? { state } : {}), connect, ...(options.clusterTimeoutMs !== undefined ? { timeoutMs: options.clusterTimeoutMs } : {}) }) : undefined,
    askSupport && state ? supportFacts(dir, state, connect, options.supportTimeoutMs ?? DEFAULT_SUPPORT_TIMEOUT_MS) : undefined,
  ]);
  const result = checkAll(
    checkResultOf(unreadable ? [unreadable] : []),
    checkCertificates(rows, now),
    cluster ? checkCluster(cluster) : checkResultOf([]),
    checkSupport(support),
  );
  return { ...result, checked: checkedParts(cluster, support) };
}

function checkedParts(cluster: ClusterFacts | undefined, support: SupportView | undefined): CheckedPart[] {
  return ['certificates', ...(cluster ? (['nodes', 'services'] as const) : []), ...(support ? (['support server'] as const) : [])];
}

/**
 * Whether the support droplet answers over SSH (`true`, within the limit), at its public address with
 * the project's key and the host key the state pins. Undefined when the state records no support droplet.
 */
async function supportFacts(dir: string, state: State, connect: ConnectNodes, limitMs: number): Promise<SupportView | undefined> {
  const recorded = state.cloud.droplets.find((droplet) => droplet.role === 'support');
  if (!recorded) return undefined;
  const name = recorded.name;
  const node = dropletNodes(state).find((candidate) => candidate.role === 'support');
  if (!node) return { name, state: 'unreachable', error: `the state records it ${recorded.status}, without a public address` };
  if (!existsSync(sshKeyPath(dir))) return { name, state: 'unreachable', error: `no SSH key at ${sshKeyPath(dir)} to reach it with` };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limitMs);
  try {
    const remote = await connect({ dir, store: new StateStore(dir, state), nodes: [node] });
    try {
      const answer = await remote.target.shell(name).probe(reachable, { signal: abort.signal, timeoutMs: limitMs });
      if (answer.exitCode === 0) return { name, state: 'ok' };
      return { name, state: 'unreachable', error: remoteLine(answer.stderr.trim().split('\n').pop() || `exit ${answer.exitCode}`) };
    } finally {
      await remote.dispose();
    }
  } catch (error) {
    return { name, state: 'unreachable', error: abort.signal.aborted ? `no answer within ${limitMs / 1000} s` : remoteLine(errorLine(error)) };
  } finally {
    clearTimeout(timer);
  }
}
