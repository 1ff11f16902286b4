import { checkResultOf, type CheckProblem, type CheckResult } from '../certs/check-problem.js';
import type { CertProblem } from '../certs/status-check.js';
import type { BackupProblem } from './backup-check.js';
import { remoteLine } from '../text/remote-text.js';
import { PROXY_SERVICE } from './cluster-rows.js';
import { healthWords, supportProblemLine, type NodeRow, type ServiceRow, type StatusSnapshot, type SupportView } from './snapshot.js';

/**
 * `swarm-wiz status --check` beyond the certificates: the cluster as a manager sees it, and the
 * support server → problems with stable keys, in the shape of the certificate check. Pure.
 *
 * | kind                  | key                              | severity                                              |
 * | --------------------- | -------------------------------- | ----------------------------------------------------- |
 * | state-unreadable      | `state:unreadable`               | critical                                              |
 * | cluster-unreachable   | `cluster:unreachable`            | critical                                              |
 * | node-down             | `node:<hostname>:down`           | critical for a manager or a proxy node, else warning  |
 * | node-not-active       | `node:<hostname>:not-active`     | warning (drained or paused: Swarm places no task on it) |
 * | service-missing       | `service:<name>:missing`         | critical for the proxy, else warning                  |
 * | service-below-desired | `service:<name>:below-desired`   | critical for the proxy with none running, else warning |
 * | service-unhealthy     | `service:<name>:unhealthy`       | warning                                               |
 * | support-unreachable   | `support:<droplet>:unreachable`  | critical (renewals run there)                         |
 */
export type ClusterCheckKind = 'state-unreadable' | 'cluster-unreachable' | 'node-down' | 'node-not-active' | 'service-missing' | 'service-below-desired' | 'service-unhealthy' | 'support-unreachable';

export type ClusterProblem = CheckProblem<ClusterCheckKind>;

/** Any problem `status --check` reports. */
export type ProjectProblem = CertProblem | ClusterProblem | BackupProblem;

/** What a manager said (or why none did): the cluster part of a status snapshot. */
export type ClusterFacts = Pick<StatusSnapshot, 'cluster' | 'nodes' | 'services'>;

export type { SupportView } from './snapshot.js';

/** The state file cannot be read: nothing it records can be checked, and the check must not stay quiet. */
export function stateUnreadable(reason: string): ClusterProblem {
  return { key: 'state:unreadable', kind: 'state-unreadable', severity: 'critical', line: reason };
}

/** The nodes and services that are not as they should be; a cluster no manager answered for is one problem. */
export function checkCluster(facts: ClusterFacts): CheckResult<ClusterProblem> {
  if (facts.cluster.state !== 'ok') {
    const why = facts.cluster.state === 'pending' ? 'no answer yet' : (facts.cluster.error ?? 'no answer');
    return checkResultOf([{ key: 'cluster:unreachable', kind: 'cluster-unreachable', severity: 'critical', line: `cluster: no answer from a manager${facts.cluster.via ? ` (${facts.cluster.via})` : ''}: ${why}` }]);
  }
  // Host names, states and services' names are the manager's words: shown only made safe.
  const problems = [...facts.nodes.flatMap(nodeProblems), ...facts.services.flatMap(serviceProblems)];
  return checkResultOf(problems.map((problem) => ({ ...problem, key: remoteLine(problem.key), line: remoteLine(problem.line) })));
}

/** The support server runs the renewals from its crontab: not reaching it is critical. */
export function checkSupport(support: SupportView | undefined): CheckResult<ClusterProblem> {
  if (!support || support.state !== 'unreachable') return checkResultOf([]);
  return checkResultOf([{ key: `support:${support.name}:unreachable`, kind: 'support-unreachable', severity: 'critical', line: supportProblemLine(support) }]);
}

/** Several checks as one: every problem, critical first, and the exit code of the worst. */
export function checkAll<Results extends readonly CheckResult[]>(...results: Results): CheckResult<Results[number]['problems'][number]> {
  return checkResultOf(results.flatMap((result): Results[number]['problems'] => result.problems));
}

function nodeProblems(node: NodeRow): ClusterProblem[] {
  const what = [node.role, ...(node.carriesProxy ? ['carries the proxy'] : [])].join(', ');
  if (node.state !== 'ready') {
    const vital = node.role === 'manager' || node.carriesProxy;
    return [{ key: `node:${node.hostname}:down`, kind: 'node-down', severity: vital ? 'critical' : 'warning', line: `node ${node.hostname} (${what}): ${node.state}, availability ${node.availability}` }];
  }
  if (node.availability !== 'active') {
    return [{ key: `node:${node.hostname}:not-active`, kind: 'node-not-active', severity: 'warning', line: `node ${node.hostname} (${what}): availability ${node.availability}; Swarm places no new task there` }];
  }
  return [];
}

function serviceProblems(service: ServiceRow): ClusterProblem[] {
  const proxy = service.name === PROXY_SERVICE;
  const lastError = service.lastError ? `; last task error: ${service.lastError}` : '';
  const problems: ClusterProblem[] = [];
  if (service.state === 'missing') {
    problems.push({ key: `service:${service.name}:missing`, kind: 'service-missing', severity: proxy ? 'critical' : 'warning', line: `service ${service.name}: not in the stack${lastError}` });
  } else if (service.running < service.desired) {
    const severity = proxy && service.running === 0 ? 'critical' : 'warning';
    problems.push({ key: `service:${service.name}:below-desired`, kind: 'service-below-desired', severity, line: `service ${service.name}: ${service.running}/${service.desired} running${lastError}` });
  }
  if (service.health === 'unhealthy') {
    problems.push({ key: `service:${service.name}:unhealthy`, kind: 'service-unhealthy', severity: 'warning', line: `service ${service.name}: ${healthWords(service)}` });
  }
  return problems;
}
