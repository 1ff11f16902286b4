import { z } from 'zod';
import { issuePath, parseJsonText } from './json-file.js';
import type { AlertEvent } from './messages.js';

/**
 * What the support server remembers between cron runs (`.swarm-wiz/alerts-sent.json`, stored by the
 * caller): each problem seen, since when, and when it was last alerted. Pure: plan, then record each
 * delivery, then save.
 */
export type AlertSeverity = 'warning' | 'critical';

export interface RememberedProblem {
  severity: AlertSeverity;
  /** Its latest line (what a "resolved" message repeats). */
  line: string;
  /** When it was first seen (ISO). */
  since: string;
  /** When its alert was last delivered (ISO); missing: never, or a delivery is due again (escalation). */
  sentAt?: string;
  /** It is gone and its "resolved" message is not delivered yet. */
  resolved?: true;
}

export interface AlertMemory {
  version: 1;
  problems: Record<string, RememberedProblem>;
}

/** A problem as the run finds it; `key` is stable across runs, `line` one sentence starting with its subject. */
export interface CurrentProblem {
  key: string;
  severity: AlertSeverity;
  line: string;
}

/** How long an alerted problem stays quiet before it is alerted again, while it lasts. */
export const DEFAULT_QUIET_MS = 12 * 3600_000;
/** At most this many alerts per run; the rest wait for the next run. */
export const DEFAULT_MAX_EVENTS = 20;

export function emptyMemory(): AlertMemory {
  return { version: 1, problems: {} };
}

const isoTime = z.iso.datetime({ offset: true, error: 'is not an ISO date and time' });

const rememberedSchema = z.object({
  severity: z.enum(['warning', 'critical'], { error: 'is not warning or critical' }),
  line: z.string({ error: 'is not text' }),
  since: isoTime,
  sentAt: isoTime.optional(),
  resolved: z.literal(true, { error: 'is not true' }).optional(),
});

export const alertMemorySchema: z.ZodType<AlertMemory> = z.object(
  {
    version: z.literal(1, { error: 'is not 1 (written by another version of swarm-wiz?)' }),
    problems: z.record(z.string(), rememberedSchema, { error: 'is not a mapping of problem keys' }),
  },
  { error: 'is not a mapping with version and problems' },
);

/** The memory from its JSON text; an Error naming `where` and the bad field when it is corrupt (the caller decides). */
export function parseAlertMemory(text: string, where: string): AlertMemory {
  const result = alertMemorySchema.safeParse(parseJsonText(text, where, 'alerts memory file'));
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
  throw new Error(`${where} is not a valid alerts memory file: ${issues.join('; ')}`);
}

/** Problems by key; a key found twice keeps its critical form, else its first. */
function byKey(problems: CurrentProblem[]): Map<string, CurrentProblem> {
  const found = new Map<string, CurrentProblem>();
  for (const problem of problems) {
    const earlier = found.get(problem.key);
    if (!earlier || (earlier.severity === 'warning' && problem.severity === 'critical')) found.set(problem.key, problem);
  }
  return found;
}

/** The entry of `key`, an own property only (a key like `__proto__` is just a key). */
function entryOf(memory: AlertMemory, key: string): RememberedProblem | undefined {
  return Object.hasOwn(memory.problems, key) ? memory.problems[key] : undefined;
}

/**
 * This run's alerts and the memory to save before delivering them:
 * - a new problem → a `problem` event;
 * - a known one → again when its last delivery is missing (failed) or at least `quietMs` old, or when it
 *   rose from warning to critical (its `sentAt` is then dropped, so a failed or postponed escalation is
 *   retried); otherwise quiet, its line and severity updated;
 * - one that is gone → a `resolved` event if it had been alerted (`resolved: true` until delivered),
 *   else it is forgotten; one that comes back before its "resolved" went out is simply active again.
 * At most `max` events, critical problems first, then warnings, then resolved; the rest wait for the
 * next run (nothing is marked sent here: recordDelivery does that).
 */
export function planAlerts(
  memory: AlertMemory,
  problems: CurrentProblem[],
  now: Date,
  quietMs = DEFAULT_QUIET_MS,
  max = DEFAULT_MAX_EVENTS,
): { events: AlertEvent[]; memory: AlertMemory } {
  const nowIso = now.toISOString();
  const next: [string, RememberedProblem][] = [];
  const critical: AlertEvent[] = [];
  const warning: AlertEvent[] = [];
  const resolved: AlertEvent[] = [];
  const current = byKey(problems);

  for (const problem of current.values()) {
    const known = entryOf(memory, problem.key);
    const escalated = known !== undefined && known.severity === 'warning' && problem.severity === 'critical';
    const entry: RememberedProblem = { severity: problem.severity, line: problem.line, since: known?.since ?? nowIso };
    if (known?.sentAt !== undefined && !escalated) entry.sentAt = known.sentAt;
    next.push([problem.key, entry]);
    const due = entry.sentAt === undefined || now.getTime() - Date.parse(entry.sentAt) >= quietMs;
    if (due) (problem.severity === 'critical' ? critical : warning).push({ kind: 'problem', key: problem.key, severity: problem.severity, line: problem.line, since: entry.since });
  }

  for (const [key, known] of Object.entries(memory.problems)) {
    if (current.has(key)) continue;
    if (known.sentAt === undefined && !known.resolved) continue; // never delivered: nothing to resolve
    next.push([key, { ...known, resolved: true }]);
    resolved.push({ kind: 'resolved', key, line: known.line, since: known.since });
  }

  const events = [...critical, ...warning, ...resolved].slice(0, Math.max(0, max));
  return { events, memory: { version: 1, problems: Object.fromEntries(next) } };
}

/**
 * The memory after one delivery attempt: a delivered problem gets `sentAt = now`; a delivered
 * "resolved" removes its entry; an undelivered event changes nothing (it is planned again next run).
 * A test event is not remembered.
 */
export function recordDelivery(memory: AlertMemory, event: AlertEvent, delivered: boolean, now: Date): AlertMemory {
  if (!delivered || event.kind === 'test') return memory;
  const known = entryOf(memory, event.key);
  if (!known) return memory;
  if (event.kind === 'problem') {
    if (known.resolved) return memory;
    return { version: 1, problems: { ...memory.problems, [event.key]: { ...known, sentAt: now.toISOString() } } };
  }
  if (!known.resolved) return memory; // it came back meanwhile: active again, not resolved
  const { [event.key]: _gone, ...rest } = memory.problems;
  return { version: 1, problems: rest };
}
