import { describe, expect, it } from 'vitest';
import type { CertificateMeta } from '../../src/adapters/certificate-metadata.js';
import { daysLeft, renewalDecision, renewalTime } from '../../src/certs/renewal-policy.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T12:00:00Z');

function meta(lifetimeDays: number, elapsedDays: number, overrides: Partial<CertificateMeta> = {}): CertificateMeta {
  const notBefore = NOW.getTime() - elapsedDays * DAY;
  return {
    serial: '01',
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notBefore + lifetimeDays * DAY).toISOString(),
    issuer: 'Test CA',
    sans: ['a.com', 'www.a.com'],
    placeholder: false,
    ...overrides,
  };
}

const names = ['a.com', 'www.a.com'];

describe('renewal policy: due when less than a third of the lifetime remains', () => {
  it.each([
    // lifetime, days elapsed, due?
    [90, 59, false],
    [90, 61, true],
    [45, 29, false],
    [45, 31, true],
    [6, 3.9, false],
    [6, 4.1, true],
  ])('%i-day certificate after %f days: due=%s', (lifetime, elapsed, due) => {
    const decision = renewalDecision(meta(lifetime, elapsed), names, NOW);
    expect(decision.due).toBe(due);
    expect(decision.reason).toBe(due ? 'due' : 'valid');
  });

  it('renews from two thirds of the lifetime, not a fixed 30 days before expiry', () => {
    expect(renewalTime(meta(90, 0)).toISOString()).toBe(new Date(NOW.getTime() + 60 * DAY).toISOString());
    expect(renewalTime(meta(6, 0)).toISOString()).toBe(new Date(NOW.getTime() + 4 * DAY).toISOString());
  });

  it('missing, placeholder, expired, names changed and --force are due; each says why', () => {
    expect(renewalDecision(undefined, names, NOW)).toEqual({ due: true, reason: 'missing' });
    expect(renewalDecision(meta(30, 1, { placeholder: true }), names, NOW)).toEqual({ due: true, reason: 'placeholder' });
    expect(renewalDecision(meta(90, 91), names, NOW).reason).toBe('expired');
    expect(renewalDecision(meta(90, 1, { sans: ['a.com'] }), names, NOW).reason).toBe('names-changed');
    expect(renewalDecision(meta(90, 1), names, NOW, true).reason).toBe('forced');
    expect(renewalDecision(meta(90, 1), ['a.com'], NOW).due).toBe(false);
  });

  it('a certificate from another CA (config switched staging → production) is due', () => {
    const staging = meta(90, 1, { caDirectoryUrl: 'https://acme-staging-v02.api.letsencrypt.org/directory' });
    expect(renewalDecision(staging, names, NOW, false, 'https://acme-v02.api.letsencrypt.org/directory').reason).toBe('ca-changed');
    expect(renewalDecision(staging, names, NOW, false, 'https://acme-staging-v02.api.letsencrypt.org/directory').due).toBe(false);
    // Certificates stored without a CA (older, or synthetic) are judged by their dates only.
    expect(renewalDecision(meta(90, 1), names, NOW, false, 'https://acme-v02.api.letsencrypt.org/directory').due).toBe(false);
  });

  it('counts whole days left, negative once expired', () => {
    expect(daysLeft(meta(90, 10), NOW)).toBe(80);
    expect(daysLeft(meta(90, 92), NOW)).toBe(-2);
  });
});
