import type { CertStatusRow } from './cert-status.js';

/**
 * `swarm-wiz status --check`: the status rows → problems and an exit code for cron and monitoring. Pure.
 *
 * - 2 (critical): a stored certificate expired, missing, unreadable or still the placeholder; or an
 *   entry serving a certificate that is expired or does not cover its domain.
 * - 1 (warning): a renewal overdue (its renewal time passed more than a grace ago — a day, or a tenth
 *   of the lifetime when shorter — and it is still valid); a certificate past two thirds of its life
 *   (but not yet overdue); an entry serving another certificate than the stored one, or none.
 * - 0: nothing of the above.
 */
export type CheckSeverity = 'warning' | 'critical';

export type CheckKind = 'expired' | 'missing' | 'placeholder' | 'unreadable' | 'not-covering' | 'served-expired' | 'overdue' | 'past-two-thirds' | 'served-differs' | 'unreachable';

export interface CheckProblem {
  domain: string;
  kind: CheckKind;
  severity: CheckSeverity;
  /** One line, starting with the domain. */
  line: string;
}

export interface CheckResult {
  problems: CheckProblem[];
  /** 0 all well, 1 a warning, 2 something critical. */
  exitCode: 0 | 1 | 2;
}

/** The one line printed when all is well. */
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

function rowProblems(row: CertStatusRow, now: Date): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const add = (kind: CheckKind, severity: CheckSeverity, text: string) => problems.push({ domain: row.domain, kind, severity, line: `${row.domain}: ${text}` });
  const meta = row.meta;
  if (row.health === 'error') add('unreadable', 'critical', `the stored certificate cannot be read${row.lastError ? ` (${row.lastError})` : ''}`);
  else if (!meta) add('missing', 'critical', 'no certificate stored');
  else if (meta.placeholder) add('placeholder', 'critical', 'still the self-signed placeholder (no certificate from the CA yet)');
  else {
    const start = Date.parse(meta.notBefore);
    const end = Date.parse(meta.notAfter);
    const life = end - start;
    const failing = row.lastError ? `; last renewal error: ${row.lastError}` : '';
    if (end <= now.getTime()) add('expired', 'critical', `expired at ${day(meta.notAfter)}${failing}`);
    else {
      const renewAt = row.nextRenewal ? Date.parse(row.nextRenewal) : start + (life * 2) / 3;
      const grace = Math.min(DAY, life / 10);
      if (now.getTime() >= renewAt + grace) add('overdue', 'warning', `renewal overdue since ${day(new Date(renewAt).toISOString())}; valid until ${day(meta.notAfter)}${failing}`);
      else if (now.getTime() >= start + (life * 2) / 3) add('past-two-thirds', 'warning', `past two thirds of its life; valid until ${day(meta.notAfter)}${failing}`);
    }
  }
  for (const live of row.live) {
    const where = `${live.address}:${live.port}`;
    if (live.error || !live.serial) add('unreachable', 'warning', `${where} serves nothing readable (${live.error ?? 'no certificate'})`);
    else if (live.sans && !covers(live.sans, row.domain)) add('not-covering', 'critical', `${where} serves a certificate for ${live.sans.join(', ') || '(no names)'} that does not cover ${row.domain}`);
    else if (live.notAfter && Date.parse(live.notAfter) <= now.getTime()) add('served-expired', 'critical', `${where} serves a certificate that expired at ${day(live.notAfter)}`);
    else if (!live.matchesStored) add('served-differs', 'warning', `${where} serves serial ${live.serial}, not the stored ${meta?.serial ?? '(none)'}`);
  }
  return problems;
}

/** Every problem of every row, critical first, and the exit code of the worst. */
export function checkCertificates(rows: CertStatusRow[], now: Date): CheckResult {
  const problems = rows.flatMap((row) => rowProblems(row, now));
  problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  const exitCode = problems.some((problem) => problem.severity === 'critical') ? 2 : problems.length > 0 ? 1 : 0;
  return { problems, exitCode };
}
