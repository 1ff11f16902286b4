import { remoteLine } from '../text/remote-text.js';
import type { CertStatusRow } from './cert-status.js';
import { checkResultOf, type CheckProblem, type CheckResult, type CheckSeverity } from './check-problem.js';

export type { CheckExitCode, CheckProblem, CheckResult, CheckSeverity } from './check-problem.js';

/**
 * `swarm-wiz certs --check` (and the certificate part of `status --check`): the status rows →
 * problems and an exit code for cron and monitoring. Pure.
 *
 * - 2 (critical): a stored certificate expired, missing, unreadable or still the placeholder; or an
 *   entry serving a certificate that is expired or does not cover its domain.
 * - 1 (warning): a renewal overdue (its renewal time passed more than a grace ago — a day, or a tenth
 *   of the lifetime when shorter — and it is still valid); a certificate past two thirds of its life
 *   (but not yet overdue); the last renewal failed (renewal.json keeps its error until one succeeds);
 *   an entry serving another certificate than the stored one, or none.
 * - 0: nothing of the above.
 *
 * Keys: `cert:<domain>:<kind>`, and for a problem of one entry `cert:<domain>:<kind>:<address>:<port>`.
 */
export type CertCheckKind =
  | 'expired'
  | 'missing'
  | 'placeholder'
  | 'unreadable'
  | 'not-covering'
  | 'served-expired'
  | 'overdue'
  | 'past-two-thirds'
  | 'renewal-failed'
  | 'served-differs'
  | 'unreachable';

/** A problem of one site's certificate (stored, renewed or served). */
export interface CertProblem extends CheckProblem<CertCheckKind> {
  domain: string;
}

/** The one line printed by `certs --check` when all is well. */
export const ALL_FINE = 'all certificates fine';

const DAY = 86_400_000;

/** Whether a certificate's names cover `name` (exactly, or by a one-label wildcard). */
export function covers(sans: string[], name: string): boolean {
  const wanted = name.toLowerCase();
  return sans.some((san) => {
    const have = san.toLowerCase();
    if (have === wanted) return true;
    if (!have.startsWith('*.')) return false;
    const dot = wanted.indexOf('.');
    return dot > 0 && wanted.slice(dot + 1) === have.slice(2);
  });
}

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';

function rowProblems(row: CertStatusRow, now: Date): CertProblem[] {
  const problems: CertProblem[] = [];
  const add = (kind: CertCheckKind, severity: CheckSeverity, text: string, entry?: { address: string; port: number }) =>
    problems.push({ key: ['cert', row.domain, kind, ...(entry ? [entry.address, String(entry.port)] : [])].join(':'), domain: row.domain, kind, severity, line: `${row.domain}: ${text}` });
  const meta = row.meta;
  if (row.health === 'error') add('unreadable', 'critical', `the stored certificate cannot be read${row.readError ? ` (${row.readError})` : ''}`);
  else if (!meta) add('missing', 'critical', 'no certificate stored');
  else if (meta.placeholder) add('placeholder', 'critical', 'still the self-signed placeholder (no certificate from the CA yet)');
  else {
    const start = Date.parse(meta.notBefore);
    const end = Date.parse(meta.notAfter);
    const life = end - start;
    if (end <= now.getTime()) add('expired', 'critical', `expired at ${day(meta.notAfter)}`);
    else {
      const renewAt = row.nextRenewal ? Date.parse(row.nextRenewal) : start + (life * 2) / 3;
      const grace = Math.min(DAY, life / 10);
      if (now.getTime() >= renewAt + grace) add('overdue', 'warning', `renewal overdue since ${day(new Date(renewAt).toISOString())}; valid until ${day(meta.notAfter)}`);
      else if (now.getTime() >= start + (life * 2) / 3) add('past-two-thirds', 'warning', `past two thirds of its life; valid until ${day(meta.notAfter)}`);
    }
  }
  // Its own problem, whatever the certificate's age: a renewal the CA's window (ARI) made due can fail long before two thirds.
  if (row.renewalError !== undefined) {
    const at = row.lastAttemptAt && !Number.isNaN(Date.parse(row.lastAttemptAt)) ? ` at ${day(new Date(row.lastAttemptAt).toISOString())}` : '';
    add('renewal-failed', 'warning', `the last renewal failed${at}: ${remoteLine(row.renewalError)}`);
  }
  for (const live of row.live) {
    const where = `${live.address}:${live.port}`;
    if (live.error || !live.serial) add('unreachable', 'warning', `${where} serves nothing readable (${live.error ?? 'no certificate'})`, live);
    else if (live.sans && !covers(live.sans, row.domain)) add('not-covering', 'critical', `${where} serves a certificate for ${live.sans.join(', ') || '(no names)'} that does not cover ${row.domain}`, live);
    else if (live.notAfter && Date.parse(live.notAfter) <= now.getTime()) add('served-expired', 'critical', `${where} serves a certificate that expired at ${day(live.notAfter)}`, live);
    else if (!live.matchesStored) add('served-differs', 'warning', `${where} serves serial ${live.serial}, not the stored ${meta?.serial ?? '(none)'}`, live);
  }
  return problems;
}

/** Every problem of every row, critical first, and the exit code of the worst. */
export function checkCertificates(rows: readonly CertStatusRow[], now: Date): CheckResult<CertProblem> {
  return checkResultOf(rows.flatMap((row) => rowProblems(row, now)));
}
