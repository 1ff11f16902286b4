import { checkBackups, type BackupFacts } from './backup-check.js';
import type { CertStatusRow } from '../certs/cert-status.js';

/**
 * What `swarm-wiz status` shows, as one immutable value: the use case hands out a new snapshot each
 * time an answer arrives (a node list, one probe), the screen renders whichever it has, `--json`
 * prints the last one. Pure: no I/O here.
 */

/** One swarm node, as a manager sees it. */
export interface NodeRow {
  hostname: string;
  id: string;
  /** manager | worker */
  role: string;
  /** active | pause | drain */
  availability: string;
  /** ready | down | unknown | disconnected */
  state: string;
  engineVersion: string;
  address: string;
  /** The raft leader (a manager). */
  leader: boolean;
  /** The topology places the proxy here (role and labels). */
  carriesProxy: boolean;
  /** Proxy tasks running here now. */
  proxyTasks: number;
}

/** ok: every replica runs · degraded: some · down: none · stopped: 0 wanted (replicas: 0) · missing: not in the stack. */
export type ServiceState = 'ok' | 'degraded' | 'down' | 'stopped' | 'missing';

/**
 * healthy: every wanted task passed its check · starting: a task runs but has not passed it yet ·
 * unhealthy: Swarm stopped a task for failing it, and its replacement has not passed it yet.
 */
export type ServiceHealth = 'healthy' | 'starting' | 'unhealthy';

/** One service of the stack. */
export interface ServiceRow {
  /** The Swarm service (`<project>_<name>`). */
  service: string;
  /** Its name in swarm-wiz.yaml (`proxy` for the proxy). */
  name: string;
  mode: string;
  running: number;
  desired: number;
  state: ServiceState;
  /** The health path swarm-wiz.yaml gives it (`health: /up`): its running tasks passed it (Swarm counts a task running only then). */
  healthPath?: string;
  /** Its health check in words, either form: `GET /up`, or a command's words (`pg_isready -U postgres`). */
  healthCheck?: string;
  /** How its health check goes, for a service that has one (see ServiceHealth); absent while no task got as far as the check. */
  health?: ServiceHealth;
  /** Tasks starting (or waiting for their health check) now. */
  starting: number;
  /** The newest error of any of its tasks (a task that exited, was rejected or failed its health check). */
  lastError?: string;
  /** The node and state of the task with that error. */
  lastErrorTask?: string;
}

/** ok · pending: an answer outstanding · down: no TLS answer · mismatch: another certificate than the stored one · expired · http-error: no HTTP answer, or 5xx. */
export type ServedState = 'pending' | 'ok' | 'down' | 'mismatch' | 'expired' | 'http-error';

/** What one entry address serves for one domain: the certificate (TLS with SNI) and `GET /` (with Host). */
export interface ServedRow {
  /** `address:port`. */
  entry: string;
  address: string;
  port: number;
  domain: string;
  state: ServedState;
  /** The served leaf's serial (hex, lower case). */
  serial?: string;
  /** The serial swarm-wiz stored for this domain. */
  storedSerial?: string;
  /** serial === storedSerial. */
  matches?: boolean;
  notAfter?: string;
  /** The served chain verifies against the trust used (system roots, or --ca-cert). */
  trusted?: boolean;
  httpStatus?: number;
  /** Why it is down (refused, timed out, …) or why HTTP failed. */
  error?: string;
  /** The probes still running for this row (none in a final snapshot). */
  pending: ('tls' | 'http')[];
}

export interface ClusterView {
  /** pending: the manager has not answered yet · ok · unreachable: no answer (SSH failed, not a manager, timed out). */
  state: 'pending' | 'ok' | 'unreachable';
  /** Which manager answered: `local` (this machine's engine) or a droplet's name. */
  via?: string;
  error?: string;
}

/** Whether the support droplet (where the renewals run from cron) answered over SSH. */
export interface SupportView {
  /** The droplet's name. */
  name: string;
  state: 'ok' | 'unreachable' | 'pending';
  error?: string;
}

/** The problem line of a support droplet that did not answer: where renewals run, and what brings a deleted one back. */
export const supportProblemLine = (support: SupportView): string =>
  `support server ${support.name}: no answer over SSH${support.error ? ` (${support.error})` : ''}; renewals run there (if its droplet was deleted, swarm-wiz apply makes it again)`;

export interface StatusSnapshot {
  project: string;
  /** When this round of reading started (ISO). */
  at: string;
  cluster: ClusterView;
  nodes: NodeRow[];
  services: ServiceRow[];
  served: ServedRow[];
  /** undefined until the store was read. */
  certificates?: CertStatusRow[];
  /** The support droplet, when the project has one and this is not it. */
  support?: SupportView;
  /** Each volume's last backup run as recorded here, once `backup setup` was run. */
  backups?: BackupFacts;
}

/** A snapshot where nothing has answered yet; `previous` (a watch's last round) keeps its rows meanwhile, so nothing blanks. */
export function pendingSnapshot(project: string, at: Date, previous?: StatusSnapshot): StatusSnapshot {
  if (previous) return { ...previous, at: at.toISOString() };
  return { project, at: at.toISOString(), cluster: { state: 'pending' }, nodes: [], services: [], served: [] };
}

/** The key a served row is found by. */
export const servedKey = (row: Pick<ServedRow, 'entry' | 'domain'>): string => `${row.entry} ${row.domain}`;

/** What the two probes of a row answered (either may still be outstanding). */
export interface ProbeAnswers {
  tls?: { serial?: string; notAfter?: string; trusted?: boolean; error?: string };
  http?: { status?: number; error?: string };
}

/**
 * A served row from its probes' answers so far. The error shown is the TLS one (why the entry is
 * down); the HTTP one only once TLS worked.
 */
export function servedRowOf(where: { address: string; port: number; domain: string; storedSerial?: string }, answers: ProbeAnswers, now: Date): ServedRow {
  const { tls, http } = answers;
  const row: Omit<ServedRow, 'state'> = {
    entry: `${where.address}:${where.port}`,
    address: where.address,
    port: where.port,
    domain: where.domain,
    ...(tls?.serial !== undefined ? { serial: tls.serial } : {}),
    ...(where.storedSerial !== undefined ? { storedSerial: where.storedSerial } : {}),
    ...(tls ? { matches: tls.serial !== undefined && tls.serial === where.storedSerial } : {}),
    ...(tls?.notAfter !== undefined ? { notAfter: tls.notAfter } : {}),
    ...(tls?.trusted !== undefined ? { trusted: tls.trusted } : {}),
    ...(http?.status !== undefined ? { httpStatus: http.status } : {}),
    ...(tls?.error !== undefined ? { error: tls.error } : http?.error !== undefined && tls?.serial !== undefined ? { error: http.error } : {}),
    pending: [...(tls ? [] : ['tls' as const]), ...(http ? [] : ['http' as const])],
  };
  return { ...row, state: servedStateOf(row, now) };
}

/** The state of a row from what its probes said so far. */
export function servedStateOf(row: Omit<ServedRow, 'state'>, now: Date): ServedState {
  if (row.pending.length > 0) return 'pending';
  if (row.serial === undefined) return 'down';
  if (row.notAfter !== undefined && Date.parse(row.notAfter) <= now.getTime()) return 'expired';
  if (!row.matches) return 'mismatch';
  if (row.httpStatus === undefined || row.httpStatus >= 500) return 'http-error';
  return 'ok';
}

/** A service's health check and how it goes, in the words `status` shows: `healthy: GET /up`, `unhealthy: pg_isready -U postgres failed`. */
export function healthWords(service: Pick<ServiceRow, 'health' | 'healthCheck'>): string {
  const check = service.healthCheck ?? '';
  switch (service.health) {
    case 'healthy':
      return `healthy: ${check}`;
    case 'starting':
      return `starting: ${check} not passed yet`;
    case 'unhealthy':
      return `unhealthy: ${check} failed`;
    case undefined:
      return check === '' ? '' : `checks ${check}`;
  }
}

/** One line per thing that is not fine: what exits 1. Empty = all fine. */
export function problemsOf(snapshot: StatusSnapshot): string[] {
  const problems: string[] = [];
  if (snapshot.cluster.state === 'unreachable') problems.push(`cluster: no answer from a manager${snapshot.cluster.error ? ` (${snapshot.cluster.error})` : ''}`);
  for (const node of snapshot.nodes) if (node.state !== 'ready') problems.push(`node ${node.hostname}: ${node.state}`);
  for (const service of snapshot.services) {
    if (service.state === 'ok' || service.state === 'stopped') continue;
    const count = service.state === 'missing' ? 'not in the stack' : `${service.running}/${service.desired} running`;
    const health = service.health && service.health !== 'healthy' ? `, ${healthWords(service)}` : '';
    problems.push(`service ${service.name}: ${service.state}, ${count}${health}${service.lastError ? ` (last task error: ${service.lastError})` : ''}`);
  }
  for (const row of snapshot.served) {
    if (row.state === 'ok') continue;
    problems.push(`${row.domain} at ${row.entry}: ${servedProblem(row)}`);
  }
  if (snapshot.support?.state === 'unreachable') problems.push(supportProblemLine(snapshot.support));
  if (snapshot.backups) problems.push(...checkBackups(snapshot.backups, new Date(snapshot.at)).problems.map((problem) => problem.line));
  for (const cert of snapshot.certificates ?? []) {
    if (cert.health === 'ok' || cert.health === 'due') continue;
    problems.push(`${cert.domain} certificate: ${cert.health}${cert.lastError ? ` (${cert.lastError})` : ''}`);
  }
  return problems;
}

function servedProblem(row: ServedRow): string {
  switch (row.state) {
    case 'pending':
      return 'no answer yet';
    case 'down':
      return `down (${row.error ?? 'no answer'})`;
    case 'expired':
      return `serves an expired certificate (until ${row.notAfter ?? '?'})`;
    case 'mismatch':
      return row.storedSerial ? `serves serial ${row.serial ?? '?'}, stored is ${row.storedSerial}` : `serves serial ${row.serial ?? '?'}, none is stored`;
    case 'http-error':
      return row.httpStatus !== undefined ? `GET / answered ${row.httpStatus}` : `GET / failed (${row.error ?? 'no answer'})`;
    case 'ok':
      return 'ok';
  }
}

/** The snapshot `--json` prints: the rows as they are, without the bookkeeping of pending probes; `problems` says what exits 1. */
export function snapshotJson(snapshot: StatusSnapshot): Record<string, unknown> {
  const problems = problemsOf(snapshot);
  return {
    project: snapshot.project,
    at: snapshot.at,
    ok: problems.length === 0,
    problems,
    cluster: snapshot.cluster,
    nodes: snapshot.nodes,
    services: snapshot.services,
    served: snapshot.served.map(({ pending: _pending, ...row }) => row),
    certificates: snapshot.certificates ?? [],
    ...(snapshot.support ? { support: snapshot.support } : {}),
    ...(snapshot.backups?.setUp ? { backups: snapshot.backups.volumes } : {}),
  };
}
