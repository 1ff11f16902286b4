import { registryCredentials, type RegistryCredentials } from '../../recipes/registry-login.js';
import type { Config } from '../config/index.js';
import type { CloudCredentials } from './credentials.js';
import { dataHoldLines, type DataHolds } from '../plan/index.js';
import { dnsChallengeApi } from './dns-api.js';
import { UsageError } from './errors.js';
import { underProgress, type RunIo } from './run-io.js';

// The deploy half of apply and the whole of renew on a deployed project run the same engine, on the
// droplets or on this machine, under the caller's live display: one function per target.

/** What a deploy (or a renewal through the engine) needs besides the project. */
export interface DeployRequest {
  config: Config;
  dir: string;
  credentials: CloudCredentials;
  caCertFile?: string;
  /** dns-01: DNS servers (IP[:PORT]) to check the TXT records at instead of the zone's name servers. */
  dnsServers?: string[];
  /** renew: only the certificates that are due (all with force), rolled out in the same run. */
  renew?: { force: boolean };
  /** apply --start-empty: start a service whose data's droplet was replaced on an empty volume, backups or not. */
  startEmpty?: boolean;
}

/** What a deploy did that the person must hear of: the services with volumes kept at 0 replicas or started empty (dataHoldLines). */
export interface DeployNotes {
  issued: string[];
  holds: DataHolds;
  /** The holds in words, one line each (what apply prints last). */
  holdLines: string[];
}

/** dns-01: the API client for the TXT records (from the token, or the token file on the support server) and the DNS servers to check at. */
async function dnsOptions(request: DeployRequest, tokenFileIn?: string) {
  const cloudApi = await dnsChallengeApi(request.credentials, request.config, tokenFileIn);
  return { ...(cloudApi ? { cloudApi } : {}), ...(request.dnsServers ? { dnsServers: request.dnsServers } : {}) };
}

/**
 * The swarm, proxy folder, stack and certificates on the droplets over SSH, under live progress
 * (`renew`: the certificate phases only). Returns the sites whose certificate was ordered.
 */
export async function deployOnDroplets(request: DeployRequest, io: RunIo): Promise<DeployNotes> {
  const { config, dir, renew } = request;
  // renew (cron) goes on without it: the certificates are still ordered, and a rollout's push fails saying what to set.
  const registryLogin = proxyImageLogin(config, request.credentials.env, { required: !renew });
  const dns = await dnsOptions(request, renew ? dir : undefined);
  const { deployDroplets } = await import('./deploy-droplets.js');
  const { token } = request.credentials;
  const what = renew ? 'renew' : 'apply';
  const result = await underProgress(
    io,
    { action: 'apply', project: config.project },
    { shown: (by) => `Interrupted (${by}): the steps in flight finished and were recorded.`, exit: `Interrupted: what was done is recorded in .swarm-wiz/state.json. Run ${what} again to finish.` },
    (onEvent, signal) =>
      deployDroplets({
        config,
        dir,
        onEvent,
        signal,
        ...(request.caCertFile ? { caCertFile: request.caCertFile } : {}),
        ...dns,
        ...(renew ? { certificatesOnly: true, forceCertificates: renew.force } : {}),
        ...(request.startEmpty ? { startEmpty: true } : {}),
        ...(registryLogin ? { registryLogin } : {}),
        // dns-01: the support server's renewals create TXT records too (the plan says the token is copied there).
        ...(config.certificates.challenge === 'dns-01' && token ? { dnsToken: token } : {}),
      }),
  );
  return { issued: result.issued, holds: result.holds, holdLines: dataHoldLines(result.holds) };
}

const LOCAL_RESUME = 'Interrupted: what was done so far is recorded in .swarm-wiz/state.json. Run apply --target local again to finish.';

/** What a run on this machine did: the steps that changed something, and the sites ordered. */
export interface LocalRunResult extends DeployNotes {
  changed: { kind: string; name: string; op: string }[];
}

/** The whole flow on this machine's Docker engine (`renew`: the certificate phases only), under live progress. */
export async function deployOnThisMachine(request: DeployRequest & { advertiseAddr?: string }, io: RunIo): Promise<LocalRunResult> {
  const { config, dir, renew } = request;
  const dns = await dnsOptions(request, renew ? dir : undefined);
  const { deployLocal } = await import('./deploy-local.js');
  const text = renew
    ? { shown: (by: string) => `Interrupted (${by}): the orders in flight finished and were recorded.`, exit: 'Interrupted: run renew again.' }
    : { shown: (by: string) => `Interrupted (${by}): the steps in flight finished and were recorded.`, exit: LOCAL_RESUME };
  const result = await underProgress(io, { action: 'apply', project: config.project }, text, (onEvent, signal) =>
    deployLocal({
      config,
      dir,
      onEvent,
      signal,
      ...(renew ? { certificatesOnly: true, forceCertificates: renew.force } : {}),
      ...(request.startEmpty ? { startEmpty: true } : {}),
      ...(request.advertiseAddr ? { advertiseAddr: request.advertiseAddr } : {}),
      ...(request.caCertFile ? { caCertFile: request.caCertFile } : {}),
      ...dns,
    }),
  );
  const changed = result.phases.flatMap((phase) => phase.steps).filter((step) => step.op !== 'same');
  return { changed: changed.map(({ kind, name, op }) => ({ kind, name, op })), issued: result.issued, holds: result.holds, holdLines: dataHoldLines(result.holds) };
}

/**
 * delivery: image: the registry login for pushing the proxy image, from the environment; a missing
 * variable is a UsageError when `required` (nothing has run yet). undefined: not delivery image, an
 * anonymous push, or missing and not required.
 */
export function proxyImageLogin(config: Config, env: CloudCredentials['env'], options: { required: boolean } = { required: true }): RegistryCredentials | undefined {
  const login = proxyImageRegistry(config, env);
  if (login?.problem && options.required) throw new UsageError(`certificates.delivery is image: ${login.problem}`);
  return login?.credentials;
}

/** undefined when swarm-wiz can deploy this project to the droplets by itself now; otherwise the line that says what is missing. */
export function deployProblem(config: Config, env: CloudCredentials['env']): string | undefined {
  const problem = proxyImageRegistry(config, env)?.problem;
  return problem ? `Not deployed: certificates.delivery is image: ${problem}, then run swarm-wiz apply again (or build and deploy with support/build_proxy.sh).` : undefined;
}

/** delivery: image: the proxy image is built on the manager and pushed to the registry, with this login (or what is missing for it); undefined for the other deliveries. */
function proxyImageRegistry(config: Config, env: CloudCredentials['env']) {
  return config.certificates.delivery === 'image' && config.registry ? registryCredentials(config.registry, env) : undefined;
}
