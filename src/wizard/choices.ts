import type { Challenge, Delivery, Topology } from '../config/index.js';
import type { Choice } from './prompter.js';

/** DigitalOcean regions that offer droplets, load balancers and VPCs. */
export const REGIONS: readonly Choice<string>[] = [
  { value: 'fra1', name: 'fra1  Frankfurt' },
  { value: 'ams3', name: 'ams3  Amsterdam' },
  { value: 'lon1', name: 'lon1  London' },
  { value: 'nyc1', name: 'nyc1  New York 1' },
  { value: 'nyc3', name: 'nyc3  New York 3' },
  { value: 'sfo3', name: 'sfo3  San Francisco' },
  { value: 'tor1', name: 'tor1  Toronto' },
  { value: 'sgp1', name: 'sgp1  Singapore' },
  { value: 'blr1', name: 'blr1  Bangalore' },
  { value: 'syd1', name: 'syd1  Sydney' },
];

/** The droplet sizes offered, without prices (they come from DigitalOcean's API: see sizeChoices). */
export const SIZES: readonly Choice<string>[] = [
  { value: 's-1vcpu-1gb', name: 's-1vcpu-1gb  1 vCPU, 1 GB' },
  { value: 's-1vcpu-2gb', name: 's-1vcpu-2gb  1 vCPU, 2 GB' },
  { value: 's-2vcpu-2gb', name: 's-2vcpu-2gb  2 vCPU, 2 GB' },
  { value: 's-2vcpu-4gb', name: 's-2vcpu-4gb  2 vCPU, 4 GB' },
  { value: 's-4vcpu-8gb', name: 's-4vcpu-8gb  4 vCPU, 8 GB' },
];

/**
 * The size question's choices: with the prices DigitalOcean's API lists (slug → USD a month), each
 * size with its price; a size the API does not price says so. Without prices, SIZES as they are.
 */
export function sizeChoices(prices?: ReadonlyMap<string, number>): Choice<string>[] {
  if (!prices) return [...SIZES];
  const width = Math.max(...SIZES.map((size) => size.name.length));
  return SIZES.map((size) => {
    const price = prices.get(size.value);
    return { ...size, name: `${size.name.padEnd(width)}  ${price === undefined ? 'price not listed' : `$${price.toFixed(2)}/month per droplet`}`, short: size.value };
  });
}

export const MANAGER_COUNTS: readonly Choice<1 | 3>[] = [
  { value: 1, name: '1 manager', description: 'cheapest; if it is lost the swarm cannot be managed until it is rebuilt' },
  { value: 3, name: '3 managers', description: 'the swarm survives losing one manager (Raft needs a majority)' },
];

/** The seed's four proxy placements, each with its trade-off in one line. */
export function topologyChoices(workers: number, siteCount: number): Choice<Topology>[] {
  const needWorkers = (needed: number) => (workers >= needed ? false : `needs at least ${needed} worker${needed === 1 ? '' : 's'}, you chose ${workers}`);
  const choice = (value: Topology, tradeOff: string, disabled: boolean | string): Choice<Topology> => ({ value, name: `${value.padEnd(10)}  ${tradeOff}`, short: value, disabled });
  return [
    choice('manager', 'proxy on the manager: simplest; the manager is a single point of failure', false),
    choice('dedicated', "proxy on one pinned worker, its IP in DNS: still one entrypoint for every domain", needWorkers(1)),
    choice('per-domain', "each domain's DNS on its own worker: cheap; a node down takes that one domain down", needWorkers(siteCount)),
    choice('global-lb', 'proxy on every worker behind a DigitalOcean Load Balancer: no single node; the LB costs extra', needWorkers(1)),
  ];
}

export type CaChoice = 'staging' | 'production' | 'url';

export const CA_CHOICES: readonly Choice<CaChoice>[] = [
  { value: 'staging', name: "Let's Encrypt staging", description: 'untrusted test certificates, generous rate limits: try the setup first' },
  { value: 'production', name: "Let's Encrypt production", description: 'trusted certificates; strict rate limits' },
  { value: 'url', name: 'another ACME directory URL', description: 'any ACME CA (ZeroSSL, Pebble, your own)' },
];

export function challengeChoices(hasWildcard: boolean): Choice<Challenge>[] {
  return [
    {
      value: 'http-01',
      name: 'http-01  through the support server',
      description: 'as in the article: every proxy forwards /.well-known/acme-challenge/ to the support server',
      disabled: hasWildcard ? 'wildcard domains need dns-01' : false,
    },
    {
      value: 'dns-01',
      name: 'dns-01   through DigitalOcean DNS',
      description: 'TXT records via the API: no HTTP round-trip, allows wildcards; the domains must be served by DigitalOcean DNS',
    },
  ];
}

export const DELIVERY_CHOICES: readonly Choice<Delivery>[] = [
  { value: 'files', name: 'files on the proxy nodes', description: 'synced over SSH, checked with nginx -t, reloaded in place: renewals and new domains with zero failed requests; keys sit on the proxy nodes (root, 0600)' },
  { value: 'secrets', name: 'Swarm secrets', description: 'keys never touch a node\'s disk, no registry; but every renewal restarts the proxy (a few failed requests)' },
  { value: 'image', name: 'proxy image', description: 'the article\'s way: nginx.conf and the certs baked into an image pushed to a registry; every renewal rebuilds, pushes and restarts the proxy' },
];
