import type { Config } from '../config/index.js';
import { desiredDroplets } from './droplets.js';

/**
 * DigitalOcean's published price of one regional load balancer node, per month (swarm-wiz creates
 * one node: no `size_unit`). DigitalOcean's API has no price for load balancers, so this is a
 * constant, always shown as an estimate with its date.
 *
 * Source: https://www.digitalocean.com/pricing/load-balancer — 12 USD per node and month since
 * DigitalOcean's price change of 2022-07-01 (it was 10 USD before). Not re-checked when this was
 * written (2026-12-06): the only DigitalOcean page found then
 * (docs.digitalocean.com/products/networking/load-balancers/) still gave the older 10 USD, so the
 * current price could not be confirmed. Change both fields together.
 */
export const LOAD_BALANCER_NODE_PRICE = { monthlyUsd: 12, asOf: '2022-07-01', source: 'https://www.digitalocean.com/pricing/load-balancer' } as const;

/** Monthly price in USD per droplet size slug, as DigitalOcean's API lists them (GET /v2/sizes). */
export type SizePrices = ReadonlyMap<string, number>;

/** One line of the bill. */
export interface CostItem {
  /** `droplet s-1vcpu-2gb` or `load balancer node`. */
  what: string;
  count: number;
  /** null: unknown (no token, or the API does not list the size). */
  unitMonthlyUsd: number | null;
  /** `api`: DigitalOcean's GET /v2/sizes; `published`: a price DigitalOcean publishes, copied here (an estimate). */
  source: 'api' | 'published';
  /** Published prices only: the date the price is from. */
  asOf?: string;
  /** Which droplets (`1 manager, 3 workers, 1 support server`). */
  detail?: string;
}

/** What the project costs a month once apply has made it. */
export interface ProjectCost {
  /** The sum, or null when any price is unknown (never a guess). */
  monthlyUsd: number | null;
  currency: 'USD';
  items: CostItem[];
  /** True when the sum holds a published price (the load balancer) rather than only the API's. */
  estimate: boolean;
  /** What the sum leaves out, and why a price is unknown. */
  notes: string[];
}

/** Why the droplet prices are unknown, when they are. */
export type PricesMissing = 'no-token' | { unreadable: string };

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * The monthly cost of the project as swarm-wiz.yaml describes it: its droplets (managers, workers,
 * the support server) at the API's price of their size, and the global-lb topology's load balancer
 * at DigitalOcean's published price. Pure. Without `prices` the droplets' price is unknown, and so
 * is the sum.
 */
export function projectCost(config: Config, prices: SizePrices | PricesMissing): ProjectCost {
  const droplets = desiredDroplets(config);
  const byRole = (role: string) => droplets.filter((droplet) => droplet.role === role).length;
  const known = prices === 'no-token' || 'unreadable' in prices ? undefined : prices;
  const unit = known?.get(config.size) ?? null;
  const items: CostItem[] = [
    {
      what: `droplet ${config.size}`,
      count: droplets.length,
      unitMonthlyUsd: unit,
      source: 'api',
      detail: [plural(byRole('manager'), 'manager'), plural(byRole('worker'), 'worker'), plural(byRole('support'), 'support server')].join(', '),
    },
  ];
  if (config.topology === 'global-lb') {
    items.push({ what: 'load balancer node', count: 1, unitMonthlyUsd: LOAD_BALANCER_NODE_PRICE.monthlyUsd, source: 'published', asOf: LOAD_BALANCER_NODE_PRICE.asOf });
  }
  const notes: string[] = [];
  if (prices === 'no-token') notes.push("Droplet prices are read from DigitalOcean's API (GET /v2/sizes): unknown without DIGITALOCEAN_TOKEN.");
  else if (!known) notes.push(`The droplet prices are unknown: ${(prices as { unreadable: string }).unreadable}`);
  else if (unit === null) notes.push(`DigitalOcean's API (GET /v2/sizes) does not list the size ${config.size}: its price is unknown.`);
  const unknown = items.some((item) => item.unitMonthlyUsd === null);
  notes.push('Not counted: traffic beyond the droplets\' included transfer, backups, snapshots, volumes and Spaces.');
  return {
    monthlyUsd: unknown ? null : roundCents(items.reduce((sum, item) => sum + item.count * item.unitMonthlyUsd!, 0)),
    currency: 'USD',
    items,
    estimate: items.some((item) => item.source === 'published'),
    notes,
  };
}

const roundCents = (usd: number): number => Math.round(usd * 100) / 100;

/** `$12.00`. */
export const usd = (amount: number): string => `$${amount.toFixed(2)}`;

/** The headline: `Monthly cost: $72.00 (an estimate: …)` or `Monthly cost: unknown …`. */
export function costHeadline(cost: ProjectCost): string {
  if (cost.monthlyUsd === null) return 'Monthly cost: unknown (no price is made up; see below)';
  const published = cost.items.find((item) => item.source === 'published');
  const estimate = published ? ` (an estimate: the ${published.what}'s price is DigitalOcean's published one as of ${published.asOf})` : '';
  return `Monthly cost: ${usd(cost.monthlyUsd)}${estimate}`;
}

/** One line per item: `5 × droplet s-1vcpu-2gb  $12.00 = $60.00  (1 manager, …; DigitalOcean API)`. */
export function costItemLine(item: CostItem): string {
  const price = item.unitMonthlyUsd === null ? 'price unknown' : `${usd(item.unitMonthlyUsd)} = ${usd(roundCents(item.count * item.unitMonthlyUsd))}`;
  const from = item.source === 'api' ? 'price from the DigitalOcean API' : `DigitalOcean's published price as of ${item.asOf}, an estimate`;
  return `${item.count} × ${item.what}  ${price}  (${[item.detail, from].filter(Boolean).join('; ')})`;
}

/** The cost as plain text: the headline, each item, then the notes. */
export function formatCost(cost: ProjectCost): string {
  return [costHeadline(cost), ...cost.items.map((item) => `  ${costItemLine(item)}`), ...cost.notes.map((note) => `  ${note}`)].join('\n');
}
