import { ariRenewalTime } from '../adapters/acme/ari.js';
import type { CertificateMeta } from '../adapters/certificate-metadata.js';

export type RenewalReason = 'missing' | 'placeholder' | 'ca-changed' | 'names-changed' | 'expired' | 'due' | 'forced' | 'valid';

export interface RenewalDecision {
  due: boolean;
  reason: RenewalReason;
  /** When the certificate enters its renewal window (absent when there is no real certificate). */
  renewAt?: Date;
  /** Where `renewAt` came from: the CA's ARI window, or a third of the lifetime left. */
  basis?: 'ari' | 'lifetime';
}

const DAY = 86_400_000;

/**
 * When a certificate becomes due: once less than a third of its lifetime remains. Relative,
 * never a fixed 30 days, so 90-day, 45-day and 6-day certificates all renew in time.
 */
export function renewalTime(meta: Pick<CertificateMeta, 'notBefore' | 'notAfter'>): Date {
  const start = Date.parse(meta.notBefore);
  const end = Date.parse(meta.notAfter);
  return new Date(end - (end - start) / 3);
}

/**
 * When to renew: the moment picked inside the CA's ARI window when the metadata holds one (now
 * once that window's end has passed), else a third of the lifetime left.
 */
export function scheduledRenewal(meta: Pick<CertificateMeta, 'notBefore' | 'notAfter' | 'ari'>, now: Date): { renewAt: Date; basis: 'ari' | 'lifetime' } {
  if (meta.ari) return { renewAt: ariRenewalTime(meta.ari, now), basis: 'ari' };
  return { renewAt: renewalTime(meta), basis: 'lifetime' };
}

/** Whole days left until `notAfter` (negative once expired). */
export function daysLeft(meta: Pick<CertificateMeta, 'notAfter'>, now: Date): number {
  return Math.floor((Date.parse(meta.notAfter) - now.getTime()) / DAY);
}

/** Whether a site needs a new certificate now, and why. Pure. `caDirectoryUrl` is the CA the config names now. */
export function renewalDecision(meta: CertificateMeta | undefined, wantedNames: string[], now: Date, force = false, caDirectoryUrl?: string): RenewalDecision {
  if (!meta) return { due: true, reason: 'missing' };
  if (meta.placeholder) return { due: true, reason: 'placeholder' };
  const { renewAt, basis } = scheduledRenewal(meta, now);
  if (force) return { due: true, reason: 'forced', renewAt, basis };
  if (caDirectoryUrl && meta.caDirectoryUrl && meta.caDirectoryUrl !== caDirectoryUrl) return { due: true, reason: 'ca-changed', renewAt, basis };
  const covered = new Set(meta.sans.map((name) => name.toLowerCase()));
  if (wantedNames.some((name) => !covered.has(name.toLowerCase()))) return { due: true, reason: 'names-changed', renewAt, basis };
  if (Date.parse(meta.notAfter) <= now.getTime()) return { due: true, reason: 'expired', renewAt, basis };
  if (renewAt.getTime() <= now.getTime()) return { due: true, reason: 'due', renewAt, basis };
  return { due: false, reason: 'valid', renewAt, basis };
}
