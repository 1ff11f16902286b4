/**
 * The shape every check of `status --check` and `certs --check` answers in: one problem per thing
 * that is not fine, each with a key that stays the same for as long as the problem lasts (alerts
 * tell a new problem from one still open by it), and the exit code of the worst. Pure.
 *
 * It lives here, in the lowest layer that checks anything, so the certificate check (src/certs) and
 * the cluster check (src/status, a layer above) share it.
 */
export type CheckSeverity = 'warning' | 'critical';

/** 0 all well, 1 a warning, 2 something critical. */
export type CheckExitCode = 0 | 1 | 2;

export interface CheckProblem<Kind extends string = string> {
  /**
   * Which problem this is, the same on every run while it lasts: `cert:<domain>:<kind>`,
   * `node:<hostname>:down`, `service:<name>:below-desired`, … Never a serial, a date or a count.
   */
  key: string;
  kind: Kind;
  severity: CheckSeverity;
  /** One line for people, naming what it is about. */
  line: string;
}

export interface CheckResult<Problem extends CheckProblem = CheckProblem> {
  /** Critical first, otherwise in the order found. */
  problems: Problem[];
  exitCode: CheckExitCode;
}

/** The problems, critical first (stable otherwise), and the exit code of the worst. */
export function checkResultOf<Problem extends CheckProblem>(problems: readonly Problem[]): CheckResult<Problem> {
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  const exitCode = sorted.some((problem) => problem.severity === 'critical') ? 2 : sorted.length > 0 ? 1 : 0;
  return { problems: sorted, exitCode };
}
