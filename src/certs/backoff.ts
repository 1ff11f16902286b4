/**
 * How often swarm-wiz may ask the CA again for a name whose orders failed. Pure.
 *
 * Let's Encrypt allows 5 failed validations per account and host name per hour; one more locks
 * the name out for the rest of that hour. So per certificate domain the state keeps the recent
 * failures and the next allowed attempt: before ordering, a name with 5 failures within the last
 * hour (or a next attempt still in the future) is not ordered. Between runs the wait doubles from
 * `baseMs`, capped at `capMs`; a success clears the record. `--force` does not bypass it.
 * Every failed order counts (also the ones our own preflight stopped): a conservative count.
 */

/** One failed order for a name: when, and why in one short line. */
export interface FailedAttempt {
  at: string;
  reason: string;
}

/** What the state keeps per certificate domain (absent after a success). */
export interface NameAttempts {
  /** Failures within the last window, oldest first. */
  failures: FailedAttempt[];
  /** Failures in a row since the last success (drives the exponential back-off). */
  consecutive: number;
  /** ISO time before which no order is made for this name. */
  nextAttemptAt?: string;
}

export interface BackoffPolicy {
  /** Failed validations the CA allows per name within `windowMs`. */
  limit: number;
  windowMs: number;
  /** Wait after the first failure; doubles with each failure in a row. */
  baseMs: number;
  capMs: number;
}

const MINUTE = 60_000;

/** Let's Encrypt's limit (5 per hour), with a back-off from 2 minutes up to an hour. */
export const LETS_ENCRYPT_BACKOFF: BackoffPolicy = { limit: 5, windowMs: 60 * MINUTE, baseMs: 2 * MINUTE, capMs: 60 * MINUTE };

export type AttemptGate = { allowed: true } | { allowed: false; until: Date; message: string };

/** The failures of a record that still fall within the window before `now`. */
export function recentFailures(record: NameAttempts | undefined, now: Date, policy: BackoffPolicy = LETS_ENCRYPT_BACKOFF): FailedAttempt[] {
  const since = now.getTime() - policy.windowMs;
  return (record?.failures ?? []).filter((failure) => Date.parse(failure.at) > since);
}

/** `14:32 UTC` (with the date when it is not today's). */
export function utcTime(at: Date, now: Date): string {
  const time = `${at.toISOString().slice(11, 16)} UTC`;
  return at.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${at.toISOString().slice(0, 10)} ${time}`;
}

/** Whether an order may be made now for a name with this record; when not, until when and one line saying so. */
export function attemptGate(record: NameAttempts | undefined, now: Date, policy: BackoffPolicy = LETS_ENCRYPT_BACKOFF): AttemptGate {
  const recent = recentFailures(record, now, policy);
  if (recent.length >= policy.limit) {
    // The window frees a slot when the oldest counted failure leaves it.
    const oldest = recent[recent.length - policy.limit];
    const windowFree = new Date(Date.parse(oldest?.at ?? now.toISOString()) + policy.windowMs);
    const next = record?.nextAttemptAt ? new Date(Math.max(windowFree.getTime(), Date.parse(record.nextAttemptAt))) : windowFree;
    return {
      allowed: false,
      until: next,
      message: `${recent.length} failed validations in the last hour (Let's Encrypt allows ${policy.limit}); next attempt after ${utcTime(next, now)} (--force does not bypass this)`,
    };
  }
  if (record?.nextAttemptAt && Date.parse(record.nextAttemptAt) > now.getTime()) {
    const next = new Date(record.nextAttemptAt);
    const last = record.failures[record.failures.length - 1];
    return {
      allowed: false,
      until: next,
      message: `backing off after ${record.consecutive} failed attempt${record.consecutive === 1 ? '' : 's'} in a row${last ? ` (last: ${last.reason})` : ''}; next attempt after ${utcTime(next, now)} (--force does not bypass this)`,
    };
  }
  return { allowed: true };
}

/** The wait after `consecutive` failures in a row: base, doubling, capped. */
export function backoffDelay(consecutive: number, policy: BackoffPolicy = LETS_ENCRYPT_BACKOFF): number {
  if (consecutive <= 0) return 0;
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(consecutive - 1, 30));
}

/** The record after a failed order at `now`: failures outside the window are dropped. */
export function recordFailure(record: NameAttempts | undefined, now: Date, reason: string, policy: BackoffPolicy = LETS_ENCRYPT_BACKOFF): NameAttempts {
  const failures = [...recentFailures(record, now, policy), { at: now.toISOString(), reason: shortReason(reason) }];
  const consecutive = (record?.consecutive ?? 0) + 1;
  let next = now.getTime() + backoffDelay(consecutive, policy);
  if (failures.length >= policy.limit) {
    const oldest = failures[failures.length - policy.limit];
    next = Math.max(next, Date.parse(oldest?.at ?? now.toISOString()) + policy.windowMs);
  }
  return { failures: failures.slice(-policy.limit), consecutive, nextAttemptAt: new Date(next).toISOString() };
}

/** One line of at most 200 characters. */
export function shortReason(reason: string): string {
  const line = reason.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Where the records live between runs (state.json; a map in tests). */
export interface AttemptLog {
  read(name: string): Promise<NameAttempts | undefined>;
  /** `undefined` clears the record (after a success). */
  write(name: string, record: NameAttempts | undefined): Promise<void>;
}
