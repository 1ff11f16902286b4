import type { EntryPoint } from '../adapters/acme/preflight.js';
import { checkResultOf, type CheckResult } from '../certs/check-problem.js';
import { checkCertificates } from '../certs/status-check.js';
import type { Config } from '../config/index.js';
import { emptyState, type State } from '../state/index.js';
import { checkBackups } from '../status/backup-check.js';
import { checkAll, checkCluster, checkSupport, stateUnreadable, type ClusterFacts, type ProjectProblem, type SupportView } from '../status/cluster-check.js';
import { errorLine, remoteLine } from '../text/remote-text.js';
import { backupFacts } from './backup-files.js';
import { clusterFacts } from './cluster-facts.js';
import type { ConnectNodes } from './manager.js';
import { loadProjectState } from './project-state.js';
import { remoteTarget } from './remote.js';
import { asksSupport, DEFAULT_SUPPORT_TIMEOUT_MS, supportAnswer } from './support-answer.js';
import { certificateStatusOf } from './status.js';

export type { ProjectProblem } from '../status/cluster-check.js';

export { DEFAULT_SUPPORT_TIMEOUT_MS } from './support-answer.js';

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
export type CheckedPart = 'certificates' | 'nodes' | 'services' | 'support server' | 'backups';

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
 * renewals run) answers over SSH, plus each volume's last recorded backup once backups are set up (here or,
 * newer, on the support server, whose crontab runs the daily backup).
 * Everything is asked at once, each part within its own limit; nothing
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
  const askSupport = asksSupport(state, options.target);
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
    askSupport && state ? supportAnswer(dir, state, connect, options.supportTimeoutMs ?? DEFAULT_SUPPORT_TIMEOUT_MS) : undefined,
  ]);
  // The backup runs recorded here or on the support server (its crontab runs the daily backup): the newer of the two.
  const backups = await backupFacts(dir, config, support?.backups ?? {});
  const result = checkAll(
    checkResultOf(unreadable ? [unreadable] : []),
    checkCertificates(rows, now),
    cluster ? checkCluster(cluster) : checkResultOf([]),
    checkSupport(support?.view),
    checkBackups(backups, now),
  );
  return { ...result, checked: checkedParts(cluster, support?.view, backups.setUp) };
}

function checkedParts(cluster: ClusterFacts | undefined, support: SupportView | undefined, backups: boolean): CheckedPart[] {
  return ['certificates', ...(cluster ? (['nodes', 'services'] as const) : []), ...(support ? (['support server'] as const) : []), ...(backups ? (['backups'] as const) : [])];
}

