import { describe, expect, it } from 'vitest';
import type { CertStatusRow } from '../../src/certs/cert-status.js';
import type { CertificateMeta } from '../../src/adapters/certificate-metadata.js';
import { checkCertificates, covers } from '../../src/certs/status-check.js';

const DAY = 86_400_000;
const now = new Date('2026-11-30T12:00:00.000Z');
const daysFromNow = (days: number) => new Date(now.getTime() + days * DAY).toISOString();

/** A 90-day certificate issued `age` days ago, stored and served as it is on one entry. */
function row(age: number, overrides: Partial<CertStatusRow> = {}, meta: Partial<CertificateMeta> = {}): CertStatusRow {
  const stored: CertificateMeta = { serial: 'aa', notBefore: daysFromNow(-age), notAfter: daysFromNow(90 - age), issuer: 'Pebble', sans: ['a.test', 'www.a.test'], placeholder: false, ...meta };
  const renewAt = new Date(Date.parse(stored.notBefore) + ((Date.parse(stored.notAfter) - Date.parse(stored.notBefore)) * 2) / 3).toISOString();
  return {
    domain: 'a.test',
    names: ['a.test', 'www.a.test'],
    health: 'ok',
    meta: stored,
    nextRenewal: renewAt,
    live: [{ address: '10.0.0.1', port: 443, serial: 'aa', notAfter: stored.notAfter, sans: stored.sans, matchesStored: true }],
    ...overrides,
  };
}

const summary = (rows: CertStatusRow[]) => {
  const result = checkCertificates(rows, now);
  return { exitCode: result.exitCode, lines: result.problems.map((problem) => problem.line) };
};

describe('status --check decision (pure)', () => {
  it('fine: exit 0, no problem', () => {
    expect(summary([row(10)])).toEqual({ exitCode: 0, lines: [] });
  });

  it('past two thirds of its life (renewal just due): warning', () => {
    expect(summary([row(60.5)])).toEqual({ exitCode: 1, lines: ['a.test: past two thirds of its life; valid until 2026-12-30 00:00 UTC'] });
  });

  it('renewal overdue (renewal time a day or more ago, still valid): warning; its failed renewal a problem of its own', () => {
    expect(summary([row(70, { renewalError: 'the CA could not validate http-01 for a.test', lastAttemptAt: '2026-11-30T03:43:10.123Z' })])).toEqual({
      exitCode: 1,
      lines: ['a.test: renewal overdue since 2026-11-20 12:00 UTC; valid until 2026-12-20 12:00 UTC', 'a.test: the last renewal failed at 2026-11-30 03:43 UTC: the CA could not validate http-01 for a.test'],
    });
    // An earlier renewal time (ARI) makes it overdue before two thirds.
    expect(summary([row(30, { nextRenewal: daysFromNow(-2) })]).lines).toEqual(['a.test: renewal overdue since 2026-11-28 12:00 UTC; valid until 2027-01-29 12:00 UTC']);
  });

  it('a shortlived certificate has a shorter grace than a day', () => {
    const meta = { notBefore: new Date(now.getTime() - 125 * 3_600_000).toISOString(), notAfter: new Date(now.getTime() + 35 * 3_600_000).toISOString() };
    expect(summary([row(0, { nextRenewal: undefined }, meta)]).lines).toEqual(['a.test: renewal overdue since 2026-11-29 17:40 UTC; valid until 2026-12-01 23:00 UTC']);
  });

  it('served ≠ stored, or nothing readable on an entry: warning', () => {
    const differs = row(10);
    differs.live = [{ ...differs.live[0]!, serial: 'bb', matchesStored: false }, { address: '10.0.0.2', port: 443, error: 'ECONNREFUSED', matchesStored: false }];
    expect(summary([differs])).toEqual({ exitCode: 1, lines: ['a.test: 10.0.0.1:443 serves serial bb, not the stored aa', 'a.test: 10.0.0.2:443 serves nothing readable (ECONNREFUSED)'] });
  });

  it('expired, missing or placeholder: critical', () => {
    expect(summary([row(91, { health: 'expired', live: [] })])).toEqual({ exitCode: 2, lines: ['a.test: expired at 2026-11-29 12:00 UTC'] });
    expect(summary([{ domain: 'b.test', names: ['b.test'], health: 'missing', live: [] }])).toEqual({ exitCode: 2, lines: ['b.test: no certificate stored'] });
    expect(summary([row(0, { health: 'placeholder', live: [] }, { placeholder: true })]).exitCode).toBe(2);
  });

  it('an entry serving a certificate that does not cover the domain, or an expired one: critical, listed first', () => {
    const wrong = row(60.5);
    wrong.live = [{ ...wrong.live[0]!, serial: 'cc', sans: ['b.test'], matchesStored: false }];
    const stale = row(10);
    stale.domain = 'c.test';
    stale.live = [{ ...stale.live[0]!, sans: ['c.test'], serial: 'dd', notAfter: daysFromNow(-1), matchesStored: false }];
    expect(summary([wrong, stale])).toEqual({
      exitCode: 2,
      lines: ['a.test: 10.0.0.1:443 serves a certificate for b.test that does not cover a.test', 'c.test: 10.0.0.1:443 serves a certificate that expired at 2026-11-29 12:00 UTC', 'a.test: past two thirds of its life; valid until 2026-12-30 00:00 UTC'],
    });
  });

  it('a failed renewal is a warning even while the certificate is young (a renewal the CA window made due); the error is shown made safe', () => {
    const result = checkCertificates([row(10, { renewalError: 'urn:ietf:params:acme:error:rateLimited\u001b[2J: too many', lastAttemptAt: daysFromNow(-0.5) })], now);
    expect(result).toEqual({
      exitCode: 1,
      problems: [{ key: 'cert:a.test:renewal-failed', domain: 'a.test', kind: 'renewal-failed', severity: 'warning', line: 'a.test: the last renewal failed at 2026-11-30 00:00 UTC: urn:ietf:params:acme:error:rateLimited: too many' }],
    });
    // Without a time of the attempt (a hand-edited renewal.json): the error alone.
    expect(summary([row(10, { renewalError: 'no' })]).lines).toEqual(['a.test: the last renewal failed: no']);
  });

  it('a store that cannot be read is unreadable with its own error, not the renewal error; both are reported', () => {
    const broken = row(10, { health: 'error', readError: 'fullchain.pem is not the certificate meta.json describes', renewalError: 'the CA said no', lastAttemptAt: daysFromNow(-1), live: [] });
    expect(checkCertificates([broken], now).problems.map(({ key, severity, line }) => ({ key, severity, line }))).toEqual([
      { key: 'cert:a.test:unreadable', severity: 'critical', line: 'a.test: the stored certificate cannot be read (fullchain.pem is not the certificate meta.json describes)' },
      { key: 'cert:a.test:renewal-failed', severity: 'warning', line: 'a.test: the last renewal failed at 2026-11-29 12:00 UTC: the CA said no' },
    ]);
  });

  it('every problem has a key: cert:<domain>:<kind>, and :<address>:<port> for an entry; the same on the next run while it lasts', () => {
    const rows = () => {
      const many = row(70, { renewalError: 'boom', lastAttemptAt: daysFromNow(-1) });
      many.live = [
        { ...many.live[0]!, serial: 'bb', matchesStored: false },
        { address: '10.0.0.2', port: 8443, error: 'ECONNREFUSED', matchesStored: false },
        { address: '10.0.0.3', port: 443, serial: 'cc', sans: ['b.test'], matchesStored: false },
      ];
      return [many, row(91, { domain: 'x.test', health: 'expired', live: [] })];
    };
    const keys = checkCertificates(rows(), now).problems.map((problem) => problem.key);
    expect(keys).toEqual(['cert:a.test:not-covering:10.0.0.3:443', 'cert:x.test:expired', 'cert:a.test:overdue', 'cert:a.test:renewal-failed', 'cert:a.test:served-differs:10.0.0.1:443', 'cert:a.test:unreachable:10.0.0.2:8443']);
    // A day later, with another serial served and another attempt failed: the same keys.
    const later = rows();
    later[0]!.live[0]!.serial = 'dd';
    later[0]!.lastAttemptAt = daysFromNow(0);
    expect(checkCertificates(later, new Date(now.getTime() + DAY)).problems.map((problem) => problem.key)).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('wildcards cover one label', () => {
    expect(covers(['*.a.test'], 'www.a.test')).toBe(true);
    expect(covers(['*.a.test'], 'a.test')).toBe(false);
    expect(covers(['*.a.test'], 'x.www.a.test')).toBe(false);
    expect(covers(['A.test'], 'a.TEST')).toBe(true);
  });
});
