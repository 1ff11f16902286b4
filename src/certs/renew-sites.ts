import { CertificateError, IssuanceError, WaitingForCaError } from '../adapters/acme/errors.js';
import { attemptGate, recordFailure, type AttemptLog, type BackoffPolicy } from './backoff.js';
import type { CertificateOrder, IssuedCertificate } from '../adapters/acme/acme-issuer.js';
import type { CertificateMeta } from '../adapters/certificate-metadata.js';
import { refreshAriSchedule, replacesFor, type RenewalInfoSource } from './ari-refresh.js';
import { renewalDecision, type RenewalReason } from './renewal-policy.js';
import { allNames, type SiteNames } from './sites.js';
import type { CertificateStore } from '../adapters/certificate-store.js';

/** Anything that can issue one certificate (the ACME engine; tests may wrap it). */
export interface CertificateIssuer extends RenewalInfoSource {
  /** The CA's ACME directory, recorded with each certificate. */
  readonly directoryUrl?: string;
  /** The ACME profile its orders ask for, recorded with each certificate. */
  readonly profile?: string;
  issue(order: CertificateOrder): Promise<IssuedCertificate>;
}

export type SiteRenewal =
  | { domain: string; outcome: 'not-due'; reason: RenewalReason; renewAt?: Date }
  | { domain: string; outcome: 'renewed'; reason: RenewalReason; meta: CertificateMeta }
  | { domain: string; outcome: 'failed'; reason: RenewalReason; error: CertificateError };

export interface RenewOptions {
  sites: SiteNames[];
  store: CertificateStore;
  issuer: CertificateIssuer;
  now?: Date;
  force?: boolean;
  /** Limit to these domains (default all sites). */
  only?: string[];
  /** Failed orders per domain (state.json): limits and spaces out attempts; `force` does not bypass it. */
  attempts?: AttemptLog;
  /** Default: Let's Encrypt's 5 failed validations per name per hour, back-off from 2 minutes. */
  backoff?: BackoffPolicy;
  /** Where in the CA's ARI window to renew, in [0, 1) (default Math.random; picked once per window). */
  random?: () => number;
}

/**
 * Renews every site that is due (or all with `force`), in parallel, one order each. A failure
 * touches nothing stored but `renewal.json` (the error and when to retry); the old certificate
 * stays in place and keeps being served. While a CA's Retry-After is in the future the CA is not
 * asked again for that site (it still counts as failed, so cron and monitoring see it).
 */
export async function renewSites(options: RenewOptions): Promise<SiteRenewal[]> {
  const now = options.now ?? new Date();
  const sites = options.only ? options.sites.filter((site) => options.only?.includes(site.domain)) : options.sites;
  return Promise.all(sites.map((site) => renewOne(site, options, now)));
}

async function renewOne(site: SiteNames, options: RenewOptions, now: Date): Promise<SiteRenewal> {
  const { store } = options;
  let decision;
  let current: CertificateMeta | undefined;
  try {
    current = await refreshAriSchedule(store, options.issuer, site.domain, await store.readMeta(site.domain), now, options.random);
    decision = renewalDecision(current, allNames(site), now, options.force, options.issuer.directoryUrl);
  } catch (error) {
    return { domain: site.domain, outcome: 'failed', reason: 'missing', error: new IssuanceError((error as Error).message, error) };
  }
  if (!decision.due) return { domain: site.domain, outcome: 'not-due', reason: decision.reason, renewAt: decision.renewAt };
  const previous = await store.readRenewal(site.domain).catch(() => undefined);
  const waitUntil = previous?.retryAfter ? new Date(previous.retryAfter) : undefined;
  if (!options.force && waitUntil && waitUntil.getTime() > now.getTime()) {
    return { domain: site.domain, outcome: 'failed', reason: decision.reason, error: new WaitingForCaError(waitUntil, previous?.lastError) };
  }
  const attempts = await options.attempts?.read(site.domain);
  const gate = attemptGate(attempts, now, options.backoff);
  if (!gate.allowed) return { domain: site.domain, outcome: 'failed', reason: decision.reason, error: new WaitingForCaError(gate.until, undefined, gate.message) };
  const attemptAt = new Date().toISOString();
  try {
    const issued = await options.issuer.issue({ domain: site.domain, altNames: site.altNames, ...replacesFor(current, options.issuer.directoryUrl) });
    const meta = await store.save(site.domain, issued.keyPem, issued.fullchainPem, { names: allNames(site), caDirectoryUrl: options.issuer.directoryUrl, profile: options.issuer.profile });
    await store.writeRenewal(site.domain, { lastAttemptAt: attemptAt, lastSuccessAt: attemptAt });
    if (attempts) await options.attempts?.write(site.domain, undefined);
    return { domain: site.domain, outcome: 'renewed', reason: decision.reason, meta };
  } catch (thrown) {
    const error = thrown instanceof CertificateError ? thrown : new IssuanceError((thrown as Error).message ?? String(thrown), thrown);
    await store
      .writeRenewal(site.domain, {
        lastAttemptAt: attemptAt,
        ...(previous?.lastSuccessAt ? { lastSuccessAt: previous.lastSuccessAt } : {}),
        lastError: error.message,
        ...(error.retryAfter ? { retryAfter: error.retryAfter.toISOString() } : {}),
      })
      .catch(() => undefined);
    await options.attempts?.write(site.domain, recordFailure(attempts, now, error.message, options.backoff)).catch(() => undefined);
    return { domain: site.domain, outcome: 'failed', reason: decision.reason, error };
  }
}
