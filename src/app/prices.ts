import { createCloudApi, type CloudApi } from '../adapters/digitalocean/index.js';
import { projectCost, type PricesMissing, type ProjectCost, type SizePrices } from '../plan/index.js';
import type { Config } from '../config/index.js';
import { loadState } from '../state/index.js';
import { describeFailure } from '../run/index.js';
import type { CloudCredentials } from './credentials.js';
import { withinMs } from './within.js';

/**
 * The droplet prices DigitalOcean's API lists (GET /v2/sizes): slug → USD a month. A failure is
 * not the command's: the prices are then unknown, with the reason (never made up).
 */
export async function readSizePrices(cloud: CloudApi): Promise<SizePrices | Exclude<PricesMissing, 'no-token'>> {
  try {
    const sizes = await cloud.listSizes();
    return new Map(sizes.filter((size) => size.slug !== '' && Number.isFinite(size.priceMonthly)).map((size) => [size.slug, size.priceMonthly]));
  } catch (error) {
    return { unreadable: describeFailure('reading the droplet prices', error).message };
  }
}

/**
 * For the wizard's size question: the prices with the token it was given, or why there are none.
 * Loads the DigitalOcean client only when asked.
 */
export async function sizePricesFor(credentials: CloudCredentials & { token: string }): Promise<SizePrices | Exclude<PricesMissing, 'no-token'>> {
  const { token, apiUrl } = credentials;
  return readSizePrices(createCloudApi({ token, ...(apiUrl ? { baseUrl: apiUrl } : {}) }));
}

/** How long `status` waits for the prices before it says they are unknown. */
export const STATUS_PRICES_TIMEOUT_MS = 10_000;

/**
 * `status`: the monthly cost of a project that runs on droplets (undefined for one never applied there,
 * or run with --target local), at the API's prices when a token is given, unknown otherwise (never made
 * up). Bounded: an API that does not answer within the limit leaves the prices unknown, with the reason.
 */
export async function statusCost(request: { config: Config; dir: string; credentials: CloudCredentials; target?: 'local'; timeoutMs?: number }): Promise<ProjectCost | undefined> {
  if (request.target === 'local') return undefined;
  const state = await loadState(request.dir, request.config.project).catch(() => undefined);
  if (state?.target !== 'digitalocean') return undefined;
  const { token } = request.credentials;
  if (!token) return projectCost(request.config, 'no-token');
  const limitMs = request.timeoutMs ?? STATUS_PRICES_TIMEOUT_MS;
  const prices = await withinMs<SizePrices | Exclude<PricesMissing, 'no-token'>>(sizePricesFor({ ...request.credentials, token }), limitMs, () => ({ unreadable: `DigitalOcean's API did not answer within ${limitMs / 1000} s` }));
  return projectCost(request.config, prices);
}
