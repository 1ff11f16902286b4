import { describe, expect, it } from 'vitest';
import {
  DEFAULT_QUIET_MS,
  emptyMemory,
  parseAlertMemory,
  planAlerts,
  recordDelivery,
  type AlertMemory,
  type CurrentProblem,
} from '../../src/alerts/memory.js';
import type { AlertEvent } from '../../src/alerts/messages.js';

const HOUR = 3600_000;
const start = new Date('2026-11-30T00:00:00.000Z');
const later = (hours: number) => new Date(start.getTime() + hours * HOUR);

const expired: CurrentProblem = { key: 'cert:a.test:expired', severity: 'critical', line: 'a.test: expired at 2026-11-29 00:00 UTC' };
const overdue: CurrentProblem = { key: 'cert:b.test:overdue', severity: 'warning', line: 'b.test: renewal overdue' };

/** One cron run: plan, then deliver every event (or none), as the caller does. */
function run(memory: AlertMemory, problems: CurrentProblem[], now: Date, delivered = true, max?: number) {
  const plan = planAlerts(memory, problems, now, DEFAULT_QUIET_MS, max);
  const after = plan.events.reduce((state, event) => recordDelivery(state, event, delivered, now), plan.memory);
  return { events: plan.events, memory: after };
}
const kinds = (events: AlertEvent[]) => events.map((event) => (event.kind === 'test' ? 'test' : `${event.kind} ${event.key}`));

describe('planAlerts and recordDelivery', () => {
  it('alerts a new problem once, with since = first seen', () => {
    const first = run(emptyMemory(), [expired], start);
    expect(first.events).toEqual([{ kind: 'problem', key: expired.key, severity: 'critical', line: expired.line, since: start.toISOString() }]);
    expect(first.memory.problems[expired.key]).toEqual({ severity: 'critical', line: expired.line, since: start.toISOString(), sentAt: start.toISOString() });
    expect(run(first.memory, [expired], later(1)).events).toEqual([]);
  });

  it('is quiet within the quiet period and alerts again once it has passed, since unchanged', () => {
    const first = run(emptyMemory(), [expired], start);
    const quiet = run(first.memory, [expired], new Date(start.getTime() + DEFAULT_QUIET_MS - 1));
    expect(quiet.events).toEqual([]);
    const again = run(quiet.memory, [expired], later(12));
    expect(again.events).toEqual([{ kind: 'problem', key: expired.key, severity: 'critical', line: expired.line, since: start.toISOString() }]);
    expect(again.memory.problems[expired.key]?.sentAt).toBe(later(12).toISOString());
    expect(run(again.memory, [expired], later(13)).events).toEqual([]);
  });

  it('honours another quiet period', () => {
    const first = planAlerts(emptyMemory(), [overdue], start, HOUR);
    const sent = recordDelivery(first.memory, first.events[0]!, true, start);
    expect(planAlerts(sent, [overdue], later(0.5), HOUR).events).toEqual([]);
    expect(planAlerts(sent, [overdue], later(1), HOUR).events).toHaveLength(1);
  });

  it('keeps the latest line without alerting for it', () => {
    const first = run(emptyMemory(), [overdue], start);
    const changed = run(first.memory, [{ ...overdue, line: 'b.test: renewal overdue; last error: rate limited' }], later(1));
    expect(changed.events).toEqual([]);
    expect(changed.memory.problems[overdue.key]?.line).toBe('b.test: renewal overdue; last error: rate limited');
  });

  it('alerts again at once when a warning becomes critical, and retries that escalation when its delivery fails', () => {
    const first = run(emptyMemory(), [overdue], start);
    const worse = { ...overdue, severity: 'critical' as const, line: 'b.test: expired' };
    const failed = run(first.memory, [worse], later(1), false);
    expect(failed.events).toEqual([{ kind: 'problem', key: overdue.key, severity: 'critical', line: 'b.test: expired', since: start.toISOString() }]);
    const retried = run(failed.memory, [worse], later(2));
    expect(kinds(retried.events)).toEqual([`problem ${overdue.key}`]);
    expect(run(retried.memory, [worse], later(3)).events).toEqual([]);
    // Back to a warning: no alert for that.
    expect(run(retried.memory, [overdue], later(3)).events).toEqual([]);
  });

  it('sends "resolved" once a delivered problem is gone, then forgets it', () => {
    const first = run(emptyMemory(), [expired, overdue], start);
    const gone = run(first.memory, [overdue], later(1));
    expect(gone.events).toEqual([{ kind: 'resolved', key: expired.key, line: expired.line, since: start.toISOString() }]);
    expect(gone.memory.problems[expired.key]).toBeUndefined();
    expect(run(gone.memory, [overdue], later(2)).events).toEqual([]);
  });

  it('keeps a "resolved" until it is delivered', () => {
    const first = run(emptyMemory(), [expired], start);
    const failed = run(first.memory, [], later(1), false);
    expect(kinds(failed.events)).toEqual([`resolved ${expired.key}`]);
    expect(failed.memory.problems[expired.key]?.resolved).toBe(true);
    const retried = run(failed.memory, [], later(2));
    expect(kinds(retried.events)).toEqual([`resolved ${expired.key}`]);
    expect(retried.memory).toEqual(emptyMemory());
    expect(run(retried.memory, [], later(3)).events).toEqual([]);
  });

  it('forgets a problem that was never delivered, with no "resolved"', () => {
    const failed = run(emptyMemory(), [expired], start, false);
    expect(failed.memory.problems[expired.key]?.sentAt).toBeUndefined();
    const gone = run(failed.memory, [], later(1));
    expect(gone.events).toEqual([]);
    expect(gone.memory).toEqual(emptyMemory());
  });

  it('retries a failed delivery on the next run, not only after the quiet period', () => {
    const failed = run(emptyMemory(), [expired], start, false);
    expect(failed.events).toHaveLength(1);
    const retried = run(failed.memory, [expired], later(0.25));
    expect(retried.events).toEqual([{ kind: 'problem', key: expired.key, severity: 'critical', line: expired.line, since: start.toISOString() }]);
    expect(retried.memory.problems[expired.key]?.sentAt).toBe(later(0.25).toISOString());
  });

  it('makes a problem that comes back before its "resolved" went out active again, with no "resolved"', () => {
    const first = run(emptyMemory(), [expired], start);
    const failed = run(first.memory, [], later(1), false);
    const back = run(failed.memory, [expired], later(2));
    expect(back.events).toEqual([]);
    expect(back.memory.problems[expired.key]).toEqual({ severity: 'critical', line: expired.line, since: start.toISOString(), sentAt: start.toISOString() });
    // Its quiet period still counts from the last delivery.
    expect(kinds(run(back.memory, [expired], later(12)).events)).toEqual([`problem ${expired.key}`]);
  });

  it('does not resolve an entry that became active between plan and delivery', () => {
    const first = run(emptyMemory(), [expired], start);
    const planned = planAlerts(first.memory, [], later(1));
    const active: AlertMemory = { version: 1, problems: { [expired.key]: { ...first.memory.problems[expired.key]! } } };
    expect(recordDelivery(active, planned.events[0]!, true, later(1))).toBe(active);
  });

  it('sends at most max events, critical first; the rest wait for the next run unmarked', () => {
    const problems: CurrentProblem[] = Array.from({ length: 25 }, (_, index) => ({ key: `cert:${index}.test:x`, severity: index % 5 === 0 ? 'critical' : 'warning', line: `${index}.test: x` }));
    const first = run(emptyMemory(), problems, start);
    expect(first.events).toHaveLength(20);
    expect(first.events.slice(0, 5).every((event) => event.kind === 'problem' && event.severity === 'critical')).toBe(true);
    const waiting = Object.values(first.memory.problems).filter((entry) => entry.sentAt === undefined);
    expect(waiting).toHaveLength(5);
    const second = run(first.memory, problems, later(0.25));
    expect(second.events).toHaveLength(5);
    expect(Object.values(second.memory.problems).every((entry) => entry.sentAt !== undefined)).toBe(true);
    expect(run(second.memory, problems, later(0.5)).events).toEqual([]);
  });

  it('postpones a "resolved" past max too, keeping it pending', () => {
    const first = run(emptyMemory(), [expired], start);
    const plan = planAlerts(first.memory, [overdue], later(1), DEFAULT_QUIET_MS, 1);
    expect(kinds(plan.events)).toEqual([`problem ${overdue.key}`]);
    expect(plan.memory.problems[expired.key]?.resolved).toBe(true);
    expect(kinds(planAlerts(plan.memory, [overdue], later(2), DEFAULT_QUIET_MS, 1).events)).toEqual([`problem ${overdue.key}`]);
  });

  it('takes a key found twice once, as its critical form', () => {
    const plan = planAlerts(emptyMemory(), [overdue, { ...overdue, severity: 'critical' }, overdue], start);
    expect(plan.events).toEqual([{ kind: 'problem', key: overdue.key, severity: 'critical', line: overdue.line, since: start.toISOString() }]);
  });

  it('ignores a test event and leaves its input untouched', () => {
    const memory = run(emptyMemory(), [expired], start).memory;
    const copy = structuredClone(memory);
    expect(recordDelivery(memory, { kind: 'test' }, true, later(1))).toBe(memory);
    planAlerts(memory, [], later(1));
    expect(memory).toEqual(copy);
  });

  it('treats a key named like a built-in property as a plain key', () => {
    const odd: CurrentProblem = { key: '__proto__', severity: 'warning', line: 'odd' };
    const first = run(emptyMemory(), [odd], start);
    expect(Object.keys(first.memory.problems)).toEqual(['__proto__']);
    expect(run(first.memory, [odd], later(1)).events).toEqual([]);
    expect(kinds(run(first.memory, [], later(1)).events)).toEqual(['resolved __proto__']);
    expect(kinds(run(emptyMemory(), [], start).events)).toEqual([]);
  });
});

describe('parseAlertMemory', () => {
  it('reads what planAlerts and recordDelivery write', () => {
    const memory = run(emptyMemory(), [expired, overdue], start).memory;
    const pending = run(memory, [overdue], later(1), false).memory;
    expect(parseAlertMemory(JSON.stringify(pending), 'alerts-sent.json')).toEqual(pending);
  });

  it('throws naming the file and the field when corrupt', () => {
    const bad = JSON.stringify({ version: 1, problems: { 'cert:a.test:x': { severity: 'fatal', line: 'x', since: 'yesterday' } } });
    expect(() => parseAlertMemory(bad, '/p/.swarm-wiz/alerts-sent.json')).toThrow(
      /^\/p\/\.swarm-wiz\/alerts-sent\.json is not a valid alerts memory file: problems\["cert:a\.test:x"\]\.severity: is not warning or critical; problems\["cert:a\.test:x"\]\.since: is not an ISO date and time$/,
    );
    expect(() => parseAlertMemory('{"version": 2, "problems": {}}', 'm.json')).toThrow(/version: is not 1/);
    expect(() => parseAlertMemory('{"version": 1, "problems"', 'm.json')).toThrow(/^m\.json is not a valid alerts memory file: not JSON/);
    expect(() => parseAlertMemory('', 'm.json')).toThrow(/it is empty/);
  });
});
