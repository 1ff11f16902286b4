import { readFile } from 'node:fs/promises';
import { directoryUrlFor } from '../adapters/acme/account-key.js';
import { dnsEntryPoints, staticEntryPoints } from '../adapters/acme/entry-points.js';
import type { EntryPoint } from '../adapters/acme/preflight.js';
import { CertificateStore } from '../adapters/certificate-store.js';
import { certificateStatus, type CertStatusRow } from '../certs/cert-status.js';
import { siteNamesOf } from '../certs/sites.js';
import { entryPointsFromState } from './state-entry-points.js';
import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';

// What `status --check` (the support server's crontab) makes of the rows: one line per problem, and its exit code.
export { ALL_FINE, checkCertificates } from '../certs/status-check.js';

export interface CertificateStatusOptions {
  config: Config;
  dir: string;
  /** Read only when probing without explicit entries (where the state says each domain enters). */
  state: () => Promise<State>;
  /** Connect to the entry addresses and read what they serve. */
  probe: boolean;
  /** Entry addresses to probe instead of the recorded / DNS ones. */
  entries?: EntryPoint[];
  dnsServers?: string[];
  /** A PEM file with the root to verify served certificates against (a test CA). */
  caCertFile?: string;
  now?: Date;
}

/**
 * The certificate half of `swarm-wiz status`: per site the stored certificate (names, issuer, days
 * left, next renewal, last error) and, when probing, what each entry address really serves. Prints nothing.
 */
export async function certificateStatusOf(options: CertificateStatusOptions): Promise<CertStatusRow[]> {
  const { config, dir } = options;
  const entryPoints = !options.probe
    ? undefined
    : options.entries && options.entries.length > 0
      ? staticEntryPoints(options.entries)
      : entryPointsFromState(config, await options.state(), 443, dnsEntryPoints({ port: 443, servers: options.dnsServers }));
  return certificateStatus({
    sites: siteNamesOf(config),
    store: new CertificateStore(dir),
    now: options.now ?? new Date(),
    entryPoints,
    ca: options.caCertFile ? await readFile(options.caCertFile, 'utf8') : undefined,
    caDirectoryUrl: directoryUrlFor(config.certificates.ca),
  });
}
