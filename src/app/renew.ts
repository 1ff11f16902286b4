import { dnsEntryPoints, staticEntryPoints } from '../adapters/acme/entry-points.js';
import type { EntryPoint } from '../adapters/acme/preflight.js';
import { CertificateStore } from '../adapters/certificate-store.js';
import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import { projectIssuer } from '../certs/project-issuer.js';
import { writeProxyCertificates } from '../certs/proxy-files.js';
import { renewSites, type SiteRenewal } from '../certs/renew-sites.js';
import { entryPointsFromState } from '../certs/state-entry-points.js';
import { siteNamesOf } from '../certs/sites.js';
import type { Config } from '../config/index.js';
import { StateStore, stateAttemptLog, type State } from '../state/index.js';
import { changingProject } from './project-lock.js';

export interface StoredRenewOptions {
  config: Config;
  dir: string;
  state: State;
  force: boolean;
  /** Only these sites (default all). */
  only?: string[];
  /** http-01: the webroot the support server serves (default `<dir>/acme-webroot`). */
  webroot?: string;
  /** Where the proxy answers, for the preflight (default: what state.json records, else A records). */
  entries?: EntryPoint[];
  dnsServers?: string[];
  caCertFile?: string;
  /** dns-01: the DigitalOcean API the TXT records go through. */
  cloudApi?: CloudApi;
}

export interface StoredRenewResult {
  results: SiteRenewal[];
  /** Domains whose proxy/certs/ files changed (for deploy_stack.sh or build_proxy.sh to roll out). */
  copied: string[];
}

/**
 * `renew` for a project swarm-wiz has not deployed itself (secrets or image delivery, or the support
 * server's own cron before the deploy is automated there): orders what is due into the certificate
 * store, holding the project lock so cron and a person never order twice, and copies renewed
 * certificates to proxy/certs/ for the generated scripts. A failure leaves the stored certificate as it was.
 * (A deployed project renews through the engine: applyLocal / deployDroplets with certificatesOnly.)
 */
export function renewStored(options: StoredRenewOptions): Promise<StoredRenewResult> {
  return changingProject(options.dir, 'renew', () => renewInStore(options));
}

async function renewInStore(options: StoredRenewOptions): Promise<StoredRenewResult> {
  const { config, dir } = options;
  const sites = siteNamesOf(config);
  const entryPoints =
    options.entries && options.entries.length > 0 ? staticEntryPoints(options.entries) : entryPointsFromState(config, options.state, 80, dnsEntryPoints({ port: 80, servers: options.dnsServers }));
  const issuer = await projectIssuer({
    config,
    dir,
    webroot: options.webroot,
    entryPoints,
    dnsServers: options.dnsServers,
    caCertFile: options.caCertFile,
    cloudApi: options.cloudApi,
  });
  const store = new CertificateStore(dir);
  const results = await renewSites({ sites, store, issuer, force: options.force, only: options.only, attempts: stateAttemptLog(new StateStore(dir, options.state)) });
  const renewed = new Set(results.filter((result) => result.outcome === 'renewed').map((result) => result.domain));
  const copied = await writeProxyCertificates(store, sites.filter((site) => renewed.has(site.domain)), dir);
  return { results, copied };
}
