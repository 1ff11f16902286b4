import { ariCertIdOf, ariCheckDue, scheduleFromRenewalInfo, type RenewalInfo } from '../adapters/acme/ari.js';
import { splitChain, type CertificateMeta } from '../adapters/certificate-metadata.js';
import type { CertificateStore } from '../adapters/certificate-store.js';

/** A CA that can say when to renew (RFC 9773); `undefined` from it means the CA has no ARI. */
export interface RenewalInfoSource {
  readonly directoryUrl?: string;
  renewalInfo?(ariId: string): Promise<RenewalInfo | undefined>;
}

/**
 * Asks the CA for the certificate's renewal window when its last Retry-After has passed, and
 * stores the schedule (window, the moment picked in it, next check) in the metadata. Anything
 * else — no stored certificate, a stand-in, another CA, no ARI, an error — leaves the metadata
 * as it is, and the decision falls back to the stored schedule or a third of the lifetime.
 */
export async function refreshAriSchedule(
  store: CertificateStore,
  source: RenewalInfoSource,
  domain: string,
  meta: CertificateMeta | undefined,
  now: Date,
  random?: () => number,
): Promise<CertificateMeta | undefined> {
  if (!meta || meta.placeholder || !source.renewalInfo) return meta;
  if (meta.caDirectoryUrl && source.directoryUrl && meta.caDirectoryUrl !== source.directoryUrl) return meta;
  if (!ariCheckDue(meta.ari, now)) return meta;
  try {
    const ariId = meta.ariId ?? (await storedAriId(store, domain));
    if (!ariId) return meta;
    const info = await source.renewalInfo(ariId);
    if (!info) return meta;
    const updated: CertificateMeta = { ...meta, ariId, ari: scheduleFromRenewalInfo(info, meta.ari, now, random) };
    await store.writeMeta(domain, updated);
    return updated;
  } catch {
    return meta;
  }
}

/** The ARI id of the stored certificate (metadata written before ARI lacks it). */
async function storedAriId(store: CertificateStore, domain: string): Promise<string | undefined> {
  const stored = await store.read(domain);
  const leaf = stored ? splitChain(stored.fullchainPem)[0] : undefined;
  return leaf ? ariCertIdOf(leaf) : undefined;
}

/** `replaces` for the renewal order: the old certificate's ARI id, when it is a real one from this CA. */
export function replacesFor(meta: CertificateMeta | undefined, directoryUrl: string | undefined): { replaces: string } | Record<string, never> {
  if (!meta?.ariId || meta.placeholder) return {};
  if (meta.caDirectoryUrl && directoryUrl && meta.caDirectoryUrl !== directoryUrl) return {};
  return { replaces: meta.ariId };
}
