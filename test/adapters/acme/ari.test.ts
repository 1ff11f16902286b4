import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ariCertId, ariCertIdOf, ariCheckDue, scheduleFromRenewalInfo, serialDerBytes, type AriSchedule } from '../../../src/adapters/acme/ari.js';
import type { CertificateMeta } from '../../../src/adapters/certificate-metadata.js';
import { renewalDecision } from '../../../src/certs/renewal-policy.js';
import { generateCertificate } from '../../../src/certs/x509-generate.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-06-01T12:00:00Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/:/g, ''), 'hex'));

describe('ARI certificate id (RFC 9773 §4.1)', () => {
  it('matches the RFC example: keyIdentifier 69:88:5B:…:D4 and serial 00:87:65:43:21', () => {
    const id = ariCertId(hex('69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4'), serialDerBytes('0087654321'));
    expect(id).toBe('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('encodes the serial as its DER INTEGER content: a leading 00 when the top bit is set, none otherwise', () => {
    expect(Buffer.from(serialDerBytes('87654321')).toString('hex')).toBe('0087654321');
    expect(Buffer.from(serialDerBytes('0000012345')).toString('hex')).toBe('012345');
    expect(Buffer.from(serialDerBytes('7f')).toString('hex')).toBe('7f');
    expect(Buffer.from(serialDerBytes('abc')).toString('hex')).toBe('0abc');
  });

  it("reads the leaf's Authority Key Identifier and serial; a self-signed stand-in without AKI has none", async () => {
    const ca = await generateCertificate({ names: [], commonName: 'test CA', isCa: true, notBefore: NOW, notAfter: new Date(NOW.getTime() + DAY) });
    const leaf = await generateCertificate({ names: ['a.test'], issuer: ca, notBefore: NOW, notAfter: new Date(NOW.getTime() + DAY) });
    const id = ariCertIdOf(leaf.certPem);
    expect(id).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const [aki, serial] = id!.split('.') as [string, string];
    expect(Buffer.from(serial, 'base64url').toString('hex').replace(/^0+/, '')).toBe(new X509Certificate(leaf.certPem).serialNumber.toLowerCase().replace(/^0+/, ''));
    expect(Buffer.from(aki, 'base64url')).toHaveLength(20);
  });
});

describe('ARI schedule: a moment picked once inside the window, next check at Retry-After', () => {
  const window = { start: at(10 * DAY), end: at(12 * DAY) };

  it('picks the moment inside the window and waits for Retry-After before asking again', () => {
    const schedule = scheduleFromRenewalInfo({ window, retryAfter: new Date(NOW.getTime() + 6 * HOUR) }, undefined, NOW, () => 0.5);
    expect(schedule.renewAt).toBe(at(11 * DAY));
    expect(schedule.nextCheckAt).toBe(at(6 * HOUR));
    expect(ariCheckDue(schedule, new Date(NOW.getTime() + 5 * HOUR))).toBe(false);
    expect(ariCheckDue(schedule, new Date(NOW.getTime() + 6 * HOUR))).toBe(true);
    expect(ariCheckDue(undefined, NOW)).toBe(true);
  });

  it('keeps the moment while the window is the same, and picks again when it changes', () => {
    const first = scheduleFromRenewalInfo({ window }, undefined, NOW, () => 0.25);
    const again = scheduleFromRenewalInfo({ window }, first, NOW, () => 0.9);
    expect(again.renewAt).toBe(first.renewAt);
    const moved = scheduleFromRenewalInfo({ window: { start: at(2 * DAY), end: at(3 * DAY) } }, first, NOW, () => 0);
    expect(moved.renewAt).toBe(at(2 * DAY));
  });

  it('asks again after 6 hours without Retry-After, never later than a week', () => {
    expect(scheduleFromRenewalInfo({ window }, undefined, NOW).nextCheckAt).toBe(at(6 * HOUR));
    expect(scheduleFromRenewalInfo({ window, retryAfter: new Date(NOW.getTime() + 30 * DAY) }, undefined, NOW).nextCheckAt).toBe(at(7 * DAY));
  });
});

describe('renewal decision with an ARI schedule', () => {
  function meta(ari?: AriSchedule): CertificateMeta {
    // 90 days, 10 elapsed: the lifetime rule would say 50 days from now.
    return { serial: '01', notBefore: at(-10 * DAY), notAfter: at(80 * DAY), issuer: 'CA', sans: ['a.com'], placeholder: false, ...(ari ? { ari } : {}) };
  }
  const schedule = (start: number, end: number, renewAt: number): AriSchedule => ({ window: { start: at(start), end: at(end) }, renewAt: at(renewAt), nextCheckAt: at(6 * HOUR) });

  it('before the picked moment: not due, even with the window open', () => {
    const decision = renewalDecision(meta(schedule(-DAY, DAY, HOUR)), ['a.com'], NOW);
    expect(decision).toEqual({ due: false, reason: 'valid', renewAt: new Date(at(HOUR)), basis: 'ari' });
  });

  it('at or after the picked moment: due', () => {
    expect(renewalDecision(meta(schedule(-DAY, DAY, -HOUR)), ['a.com'], NOW)).toMatchObject({ due: true, reason: 'due', basis: 'ari' });
  });

  it("once the window's end has passed: due at once", () => {
    expect(renewalDecision(meta(schedule(-2 * DAY, -DAY, 5 * DAY)), ['a.com'], NOW)).toMatchObject({ due: true, reason: 'due', renewAt: NOW, basis: 'ari' });
  });

  it('a window the CA moved earlier than a third of the lifetime wins over it; without ARI the lifetime rule decides', () => {
    expect(renewalDecision(meta(schedule(-DAY, DAY, -1)), ['a.com'], NOW).due).toBe(true);
    expect(renewalDecision(meta(), ['a.com'], NOW)).toEqual({ due: false, reason: 'valid', renewAt: new Date(at(50 * DAY)), basis: 'lifetime' });
  });
});
