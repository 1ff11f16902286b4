import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import type { Config } from '../config/index.js';
import { CliExit, EXIT } from './exit.js';
import { cloudEnv, type CliIo } from './io.js';

/**
 * dns-01: the DigitalOcean API client the TXT records go through, from DIGITALOCEAN_TOKEN (and
 * DIGITALOCEAN_API_URL); http-01 needs none. A dns-01 project without a token is a usage error.
 */
export async function dnsChallengeApi(io: CliIo, config: Config): Promise<CloudApi | undefined> {
  if (config.certificates.challenge !== 'dns-01') return undefined;
  const { token, apiUrl } = cloudEnv(io.env);
  if (!token) throw new CliExit(EXIT.usage, 'certificates.challenge is dns-01: set DIGITALOCEAN_TOKEN so swarm-wiz can create the TXT records');
  const { createCloudApi } = await import('../adapters/digitalocean/index.js');
  return createCloudApi({ token, ...(apiUrl ? { baseUrl: apiUrl } : {}) });
}
