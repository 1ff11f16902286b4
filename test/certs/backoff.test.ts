import { describe, expect, it } from 'vitest';
import { attemptGate, backoffDelay, LETS_ENCRYPT_BACKOFF, recordFailure, type BackoffPolicy, type NameAttempts } from '../../src/certs/backoff.js';
import { stateSchema } from '../../src/state/schema.js';

const MIN = 60_000;
const t0 = new Date('2026-11-30T14:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);
/** No back-off between runs: only the hourly limit. */
const limitOnly: BackoffPolicy = { ...LETS_ENCRYPT_BACKOFF, baseMs: 0, capMs: 0 };

describe('failed-validation limit and back-off (pure)', () => {
  it('backs off exponentially from 2 minutes, capped at an hour', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 40].map((n) => backoffDelay(n) / MIN)).toEqual([0, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('refuses an attempt before the next allowed time and says when', () => {
    const record = recordFailure(undefined, t0, 'the CA could not validate http-01 for a.test: connection refused');
    expect(record).toEqual({ failures: [{ at: t0.toISOString(), reason: 'the CA could not validate http-01 for a.test: connection refused' }], consecutive: 1, nextAttemptAt: at(2).toISOString() });
    const gate = attemptGate(record, at(1));
    expect(gate).toMatchObject({ allowed: false, until: at(2) });
    expect(!gate.allowed && gate.message).toBe(
      'backing off after 1 failed attempt in a row (last: the CA could not validate http-01 for a.test: connection refused); next attempt after 14:02 UTC (--force does not bypass this)',
    );
    expect(attemptGate(record, at(2))).toEqual({ allowed: true });
  });

  it('never allows a sixth failed attempt within an hour, even without back-off', () => {
    let record: NameAttempts | undefined;
    for (const minute of [0, 5, 10, 15, 20]) {
      expect(attemptGate(record, at(minute), limitOnly).allowed).toBe(true);
      record = recordFailure(record, at(minute), 'invalid', limitOnly);
    }
    const gate = attemptGate(record, at(30), limitOnly);
    expect(gate).toMatchObject({ allowed: false, until: at(60) });
    expect(!gate.allowed && gate.message).toBe("5 failed validations in the last hour (Let's Encrypt allows 5); next attempt after 15:00 UTC (--force does not bypass this)");
    expect(record?.nextAttemptAt).toBe(at(60).toISOString());
    // The first failure leaves the window at 15:00: one slot frees, and one more failure fills it again.
    expect(attemptGate(record, at(60), limitOnly).allowed).toBe(true);
    record = recordFailure(record, at(61), 'invalid', limitOnly);
    expect(record.failures).toHaveLength(5);
    expect(attemptGate(record, at(62), limitOnly)).toMatchObject({ allowed: false, until: at(65) });
  });

  it('with the default policy runs are spaced 2, 4, 8, 16 … minutes apart and the limit still holds', () => {
    let record: NameAttempts | undefined;
    const made: number[] = [];
    for (let minute = 0; minute <= 120; minute++) {
      if (!attemptGate(record, at(minute)).allowed) continue;
      made.push(minute);
      record = recordFailure(record, at(minute), 'invalid');
    }
    expect(made).toEqual([0, 2, 6, 14, 30, 62]);
    const inAnyHour = Math.max(...made.map((start) => made.filter((m) => m >= start && m < start + 60).length));
    expect(inAnyHour).toBeLessThanOrEqual(5);
  });

  it('keeps one short line per failure', () => {
    const record = recordFailure(undefined, t0, `line one\n  line two ${'x'.repeat(300)}`);
    expect(record.failures[0]?.reason).toMatch(/^line one line two x+…$/);
    expect(record.failures[0]?.reason.length).toBe(200);
  });

  it('state.json: old files stay valid; the record round-trips', () => {
    const old = { version: 1, project: 'p', cloud: { tags: [], droplets: [], firewalls: [], dnsRecords: [] } };
    expect(stateSchema.parse(old).certificates).toBeUndefined();
    const record = recordFailure(undefined, t0, 'invalid');
    const parsed = stateSchema.parse({ ...old, certificates: { attempts: { 'a.test': record } } });
    expect(parsed.certificates?.attempts['a.test']).toEqual(record);
    expect(stateSchema.safeParse({ ...old, certificates: { attempts: { 'a.test': { failures: [{ at: 1 }] } } } }).success).toBe(false);
  });
});
