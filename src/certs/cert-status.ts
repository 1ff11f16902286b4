import { certificateMeta, type CertificateMeta } from '../adapters/certificate-metadata.js';
import { daysLeft, renewalDecision, scheduledRenewal } from './renewal-policy.js';
import { allNames, type SiteNames } from './sites.js';
import type { CertificateStore } from '../adapters/certificate-store.js';
import { probeTls, type LiveCertificate } from '../adapters/tls-probe.js';

/** The health of one site's certificate, in the words the status screen shows. */
export type CertHealth = 'ok' | 'due' | 'expired' | 'missing' | 'placeholder' | 'error';

export interface LiveCheck extends LiveCertificate {
  /** The served serial equals the stored one. */
  matchesStored: boolean;
}

/** One row of the certificate status screen (and of `--json`). */
export interface CertStatusRow {
  domain: string;
  /** The names the config wants covered. */
  names: string[];
  health: CertHealth;
  meta?: CertificateMeta;
  daysLeft?: number;
  /** ISO date when renew will replace it. */
  nextRenewal?: string;
  /** Where that date comes from: the CA's suggested window (ARI), or a third of the lifetime left. */
  renewalBasis?: 'ari' | 'lifetime';
  /** Why the stored certificate cannot be read (health `error`). */
  readError?: string;
  /** The last renewal's error (renewal.json keeps it after a failed attempt, drops it after a success). */
  renewalError?: string;
  /** When renew last tried (ISO), failed or not. */
  lastAttemptAt?: string;
  /** What the screens show as the last error: the read error, else the last renewal's error. */
  lastError?: string;
  retryAfter?: string;
  lastSuccessAt?: string;
  live: LiveCheck[];
}

export interface StatusOptions {
  sites: SiteNames[];
  store: CertificateStore;
  now?: Date;
  /** Where each domain's HTTPS enters (proxy replicas / load balancer); none = no live check. */
  entryPoints?: (domain: string) => Promise<{ address: string; port: number }[]>;
  /** Trust for verifying what is served (Pebble's root in tests; system roots otherwise). */
  ca?: string;
  /** The CA the config names now: a certificate from another one shows as due. */
  caDirectoryUrl?: string;
}

function healthOf(meta: CertificateMeta | undefined, names: string[], now: Date, caDirectoryUrl?: string): CertHealth {
  if (!meta) return 'missing';
  if (meta.placeholder) return 'placeholder';
  if (Date.parse(meta.notAfter) <= now.getTime()) return 'expired';
  return renewalDecision(meta, names, now, false, caDirectoryUrl).due ? 'due' : 'ok';
}

/** Reads the store (no CA) and probes every entry address with SNI; one row per site. */
export async function certificateStatus(options: StatusOptions): Promise<CertStatusRow[]> {
  const now = options.now ?? new Date();
  return Promise.all(
    options.sites.map(async (site): Promise<CertStatusRow> => {
      const names = allNames(site);
      let meta: CertificateMeta | undefined;
      let readError: string | undefined;
      try {
        meta = await options.store.readMeta(site.domain);
        // The files must still be the certificate meta.json describes, with its own key.
        if (meta && !meta.placeholder) {
          const stored = await options.store.read(site.domain);
          if (!stored) throw new Error('fullchain.pem or privkey.pem is missing beside meta.json; re-issue with swarm-wiz renew --force');
          const actual = certificateMeta(stored.fullchainPem);
          if (actual.serial !== meta.serial || actual.notAfter !== meta.notAfter) {
            throw new Error('fullchain.pem is not the certificate meta.json describes (serial or expiry differ); re-issue with swarm-wiz renew --force');
          }
        }
      } catch (error) {
        readError = (error as Error).message;
      }
      const renewal = await options.store.readRenewal(site.domain).catch(() => undefined);
      let live: LiveCheck[] = [];
      if (options.entryPoints) {
        const entries = await options.entryPoints(site.domain).catch((error: unknown) => [{ address: '(dns)', port: 443, error: (error as Error).message }]);
        live = await Promise.all(
          entries.map(async (entry) => {
            const probed = 'error' in entry ? (entry as LiveCertificate) : await probeTls({ address: entry.address, port: entry.port, servername: site.domain, ca: options.ca });
            return { ...probed, matchesStored: meta !== undefined && probed.serial === meta.serial };
          }),
        );
      }
      return {
        domain: site.domain,
        names,
        health: readError ? 'error' : healthOf(meta, names, now, options.caDirectoryUrl),
        ...(meta ? { meta, daysLeft: daysLeft(meta, now), ...(meta.placeholder ? {} : nextRenewalOf(meta, now)) } : {}),
        ...(readError ? { readError } : {}),
        ...(renewal?.lastError ? { renewalError: renewal.lastError } : {}),
        ...(renewal?.lastAttemptAt ? { lastAttemptAt: renewal.lastAttemptAt } : {}),
        ...(readError || renewal?.lastError ? { lastError: readError ?? renewal?.lastError } : {}),
        ...(renewal?.retryAfter ? { retryAfter: renewal.retryAfter } : {}),
        ...(renewal?.lastSuccessAt ? { lastSuccessAt: renewal.lastSuccessAt } : {}),
        live,
      };
    }),
  );
}

/** When renew replaces the certificate, and why then (the schedule renew itself follows). */
function nextRenewalOf(meta: CertificateMeta, now: Date): Pick<CertStatusRow, 'nextRenewal' | 'renewalBasis'> {
  const { renewAt, basis } = scheduledRenewal(meta, now);
  return { nextRenewal: renewAt.toISOString(), renewalBasis: basis };
}
