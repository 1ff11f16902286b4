import type { FakeState } from '../state.js';
import { paginate, type Route } from './route.js';

/**
 * The droplet sizes the fake knows (the wizard's SIZES), with DigitalOcean's Basic (regular) figures:
 * memory MB, vCPUs, disk GB, transfer TB and the list price per month in USD. The prices are only the
 * defaults of a fake account's `state.sizePrices`, which a test may change (or pass as the
 * `sizePrices` option, or POST to /__fake/sizes from another process).
 */
export const FAKE_SIZES: Readonly<Record<string, { memory: number; vcpus: number; disk: number; transfer: number; priceMonthly: number }>> = {
  's-1vcpu-1gb': { memory: 1024, vcpus: 1, disk: 25, transfer: 1, priceMonthly: 6 },
  's-1vcpu-2gb': { memory: 2048, vcpus: 1, disk: 50, transfer: 2, priceMonthly: 12 },
  's-2vcpu-2gb': { memory: 2048, vcpus: 2, disk: 60, transfer: 3, priceMonthly: 18 },
  's-2vcpu-4gb': { memory: 4096, vcpus: 2, disk: 80, transfer: 4, priceMonthly: 24 },
  's-4vcpu-8gb': { memory: 8192, vcpus: 4, disk: 160, transfer: 5, priceMonthly: 48 },
};

export const FAKE_REGIONS = ['ams3', 'blr1', 'fra1', 'lon1', 'nyc1', 'nyc3', 'sfo3', 'sgp1', 'syd1', 'tor1'];

/** The default price list of a new fake account: slug → USD per month. */
export function defaultSizePrices(): Record<string, number> {
  return Object.fromEntries(Object.entries(FAKE_SIZES).map(([slug, size]) => [slug, size.priceMonthly]));
}

/** A size as the API's `size` schema has it, at the account's current price. */
export function sizeObject(state: FakeState, slug: string, regions: readonly string[] = FAKE_REGIONS): Record<string, unknown> {
  const size = FAKE_SIZES[slug]!;
  const priceMonthly = state.sizePrices[slug] ?? size.priceMonthly;
  return {
    slug,
    memory: size.memory,
    vcpus: size.vcpus,
    disk: size.disk,
    transfer: size.transfer,
    price_monthly: priceMonthly,
    // DigitalOcean bills by the hour up to 672 hours (28 days) a month.
    price_hourly: Math.round((priceMonthly / 672) * 100000) / 100000,
    regions: [...regions],
    available: true,
    description: 'Basic',
  };
}

export const sizeRoutes: Route[] = [
  {
    method: 'GET',
    template: '/v2/sizes',
    operationId: 'sizes_list',
    handle: (context) => paginate(context, 'sizes', Object.keys(FAKE_SIZES).map((slug) => sizeObject(context.state, slug))),
  },
];
