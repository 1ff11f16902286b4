import { createCloudApi, type CloudApi } from '../adapters/digitalocean/index.js';
import type { PricesMissing, SizePrices } from '../plan/index.js';
import { describeFailure } from '../run/index.js';
import type { CloudCredentials } from './credentials.js';

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
