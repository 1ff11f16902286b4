import { join } from 'node:path';
import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import { readOptional } from '../config/fs-atomic.js';
import type { Config } from '../config/index.js';
import type { CloudCredentials } from './credentials.js';
import { UsageError } from './errors.js';

/** Where apply puts the DigitalOcean token on the support server (dns-01 only; 0600, root). */
export const TOKEN_FILE = join('.swarm-wiz', 'digitalocean-token');

/** The CA certificate apply copies to the support server (from --ca-cert), trusted by renew there. */
export const CA_CERT_FILE = join('.swarm-wiz', 'ca.pem');

/** `--ca-cert`, else the project's `.swarm-wiz/ca.pem` when there is one (the support server's copy). */
export async function projectCaCert(dir: string, flag: string | undefined): Promise<string | undefined> {
  if (flag) return flag;
  const path = join(dir, CA_CERT_FILE);
  return (await readOptional(path)) === undefined ? undefined : path;
}

/**
 * dns-01: the DigitalOcean API client the TXT records go through, from DIGITALOCEAN_TOKEN (and
 * DIGITALOCEAN_API_URL), else — on the support server — the token file apply put in the project
 * folder; http-01 needs none. A dns-01 project without a token is a UsageError.
 */
export async function dnsChallengeApi(credentials: CloudCredentials, config: Config, dir?: string): Promise<CloudApi | undefined> {
  if (config.certificates.challenge !== 'dns-01') return undefined;
  const { apiUrl } = credentials;
  const token = credentials.token ?? (dir ? (await readOptional(join(dir, TOKEN_FILE)))?.trim() || undefined : undefined);
  if (!token) throw new UsageError('certificates.challenge is dns-01: set DIGITALOCEAN_TOKEN so swarm-wiz can create the TXT records');
  const { createCloudApi } = await import('../adapters/digitalocean/index.js');
  return createCloudApi({ token, ...(apiUrl ? { baseUrl: apiUrl } : {}) });
}
