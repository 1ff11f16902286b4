import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import type { Config } from '../config/index.js';
import { registryCredentials, type RegistryCredentials } from '../../recipes/registry-login.js';
import { CliExit, EXIT } from './exit.js';
import { cloudEnv, writeLine, type CliIo } from './io.js';
import { progressMode, withLiveProgress } from './provision-cloud.js';

export interface DropletDeployRequest {
  config: Config;
  dir: string;
  io: CliIo;
  json: boolean;
  caCertFile?: string;
  /** dns-01: the DigitalOcean API for the TXT records, and DNS servers to check them at. */
  cloudApi?: CloudApi;
  dnsServers?: string[];
  /** renew: only the certificates that are due (all with force), rolled out in the same run. */
  renew?: { force: boolean };
}

/**
 * The second half of `swarm-wiz apply` with a token (and `renew` for a project on droplets): swarm,
 * proxy folder, stack and certificates on the droplets over SSH, with live progress.
 */
export async function deployDropletsCommand(request: DropletDeployRequest): Promise<string[]> {
  const { io, config, dir } = request;
  // renew (cron) goes on without it: the certificates are still ordered, and a rollout's push fails saying what to set.
  const registryLogin = proxyImageLogin(config, io.env, { required: !request.renew });
  const { deployDroplets } = await import('../app/apply-droplets.js');
  const what = request.renew ? 'renew' : 'apply';
  const result = await withLiveProgress(
    {
      io,
      mode: progressMode(io, request.json),
      project: config.project,
      action: 'apply',
      interrupted: { shown: (by: string) => `Interrupted (${by}): the steps in flight finished and were recorded.`, exit: `Interrupted: what was done is recorded in .swarm-wiz/state.json. Run ${what} again to finish.` },
    },
    (onEvent, signal) =>
      deployDroplets({
        config,
        dir,
        onEvent,
        signal,
        ...(request.caCertFile ? { caCertFile: request.caCertFile } : {}),
        ...(request.cloudApi ? { cloudApi: request.cloudApi } : {}),
        ...(request.dnsServers ? { dnsServers: request.dnsServers } : {}),
        ...(request.renew ? { certificatesOnly: true, forceCertificates: request.renew.force } : {}),
        ...(registryLogin ? { registryLogin } : {}),
        // dns-01: the support server's renewals create TXT records too (the plan says the token is copied there).
        ...(config.certificates.challenge === 'dns-01' && cloudEnv(io.env).token ? { dnsToken: cloudEnv(io.env).token } : {}),
      }),
  );
  if (!request.json && result.issued.length > 0) writeLine(io.stdout, `Certificates ordered and rolled out: ${result.issued.join(', ')}.`);
  return result.issued;
}

/**
 * delivery: image: the registry login for pushing the proxy image, from the environment; a missing
 * variable is a usage error when `required` (nothing has run yet). undefined: not delivery image, an
 * anonymous push, or missing and not required.
 */
export function proxyImageLogin(config: Config, env: CliIo['env'], options: { required: boolean } = { required: true }): RegistryCredentials | undefined {
  if (config.certificates.delivery !== 'image' || !config.registry) return undefined;
  const { credentials, problem } = registryCredentials(config.registry, env);
  if (problem && options.required) throw new CliExit(EXIT.usage, `certificates.delivery is image: ${problem}`);
  return credentials;
}
