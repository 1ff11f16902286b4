import { dnsEntryPoints, staticEntryPoints } from '../adapters/acme/entry-points.js';
import type { EntryPoint } from '../adapters/acme/preflight.js';
import { CertificateStore } from '../adapters/certificate-store.js';
import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import { projectIssuer } from '../certs/project-issuer.js';
import { writeProxyCertificates } from '../certs/proxy-files.js';
import { renewSites, type SiteRenewal } from '../certs/renew-sites.js';
import { entryPointsFromState } from './state-entry-points.js';
import { siteNamesOf } from '../certs/sites.js';
import type { Config } from '../config/index.js';
import { StateStore, stateAttemptLog, type State } from '../state/index.js';
import { WaitingForCaError } from '../adapters/acme/errors.js';
import { parseEntries } from './entries.js';
import { showValue } from '../config/show-value.js';
import type { CloudCredentials } from './credentials.js';
import { dnsChallengeApi, projectCaCert } from './dns-api.js';
import { UsageError } from './errors.js';
import { deployOnDroplets, deployOnThisMachine } from './live-deploy.js';
import { changingProject } from './project-lock.js';
import { loadProjectState } from './project-state.js';
import type { RunIo } from './run-io.js';

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
 * (A deployed project renews through the engine: deployLocal / deployDroplets with certificatesOnly.)
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

export interface RenewRequest {
  /** swarm-wiz.yaml: read under the project lock. */
  configPath: string;
  dir: string;
  /** Every certificate, due or not. */
  force: boolean;
  /** Only these sites (a project swarm-wiz has not deployed). */
  only?: string[];
  /** http-01: the support server's webroot (default `<dir>/acme-webroot`). */
  webroot?: string;
  /** http-01 preflight: IP[:PORT] where the proxy answers, as given (default: what the state records, else A records). */
  entries?: string[];
  dnsServers?: string[];
  /** --ca-cert, else the project's own copy (`.swarm-wiz/ca.pem`, the support server's). */
  caCertFile?: string;
  credentials: CloudCredentials;
}

/** One site's renewal as a result: `waiting` when the CA was not asked (its Retry-After, or our failed-validation limit). */
export type RenewedSite = SiteRenewal & { waiting: boolean };

export type RenewOutcome =
  /** A project swarm-wiz deployed: what was due was ordered through the running proxy and rolled out in the same run. */
  | { target: 'local' | 'digitalocean'; project: string; issued: string[] }
  /** A project swarm-wiz did not deploy: ordered into the store, renewed ones copied to proxy/certs/ for the generated scripts. */
  | { target: 'store'; results: RenewedSite[]; copied: string[] };

/**
 * `swarm-wiz renew`, by where the state says the project runs: on this machine or the droplets
 * through the engine (the certificate phases only), else into the certificate store. Holds the
 * project lock from before the state is read.
 */
export function renew(request: RenewRequest, io: RunIo): Promise<RenewOutcome> {
  return changingProject(request.dir, 'renew', () => renewHeld(request, io));
}

async function renewHeld(request: RenewRequest, io: RunIo): Promise<RenewOutcome> {
  const { dir } = request;
  const config = await (await import('../config/index.js')).loadConfig(request.configPath);
  const sites = siteNamesOf(config);
  const unknown = (request.only ?? []).filter((domain) => !sites.some((site) => site.domain === domain));
  if (unknown.length > 0) throw new UsageError(`--domain ${unknown.map(showValue).join(', ')}: not a site in ${request.configPath} (sites: ${sites.map((s) => s.domain).join(', ')})`);
  const recorded = await loadProjectState(dir, config.project, io.warn);
  const caCertFile = await projectCaCert(dir, request.caCertFile);
  if (recorded.target === 'local' || recorded.target === 'digitalocean') {
    if (request.only) throw new UsageError(`--domain is not supported yet for a project swarm-wiz deployed (${recorded.target}): renew orders what is due, or everything with --force.`);
    const deploy = { config, dir, credentials: request.credentials, renew: { force: request.force }, ...(caCertFile ? { caCertFile } : {}), ...(request.dnsServers ? { dnsServers: request.dnsServers } : {}) };
    const issued = recorded.target === 'local' ? (await deployOnThisMachine(deploy, io)).issued : (await deployOnDroplets(deploy, io)).issued;
    return { target: recorded.target, project: config.project, issued };
  }
  const entries = parseEntries(request.entries, 80);
  const cloudApi = await dnsChallengeApi(request.credentials, config, dir);
  const { results, copied } = await renewStored({
    config,
    dir,
    state: recorded,
    force: request.force,
    ...(request.only ? { only: request.only } : {}),
    ...(request.webroot ? { webroot: request.webroot } : {}),
    entries,
    ...(request.dnsServers ? { dnsServers: request.dnsServers } : {}),
    ...(caCertFile ? { caCertFile } : {}),
    ...(cloudApi ? { cloudApi } : {}),
  });
  return { target: 'store', results: results.map((result) => ({ ...result, waiting: result.outcome === 'failed' && result.error instanceof WaitingForCaError })), copied };
}
