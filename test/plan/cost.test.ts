import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { formatCost, LOAD_BALANCER_NODE_PRICE, projectCost } from '../../src/plan/index.js';

const seed = parseConfig(SEED_EXAMPLE);
const prices = new Map([
  ['s-1vcpu-2gb', 12],
  ['s-2vcpu-4gb', 24],
]);

describe('projectCost', () => {
  it('every droplet (managers, workers, the support server) at the API price of its size', () => {
    const cost = projectCost({ ...seed, topology: 'manager', managers: 3, workers: 2 }, prices);
    expect(cost.items).toEqual([{ what: 'droplet s-1vcpu-2gb', count: 6, unitMonthlyUsd: 12, source: 'api', detail: '3 managers, 2 workers, 1 support server' }]);
    expect(cost.monthlyUsd).toBe(72);
    expect(cost.estimate).toBe(false);
  });

  it("global-lb adds one load balancer node at DigitalOcean's published price, and the sum is then an estimate", () => {
    const cost = projectCost({ ...seed, topology: 'global-lb', size: 's-2vcpu-4gb' }, prices);
    expect(cost.items[1]).toEqual({ what: 'load balancer node', count: 1, unitMonthlyUsd: LOAD_BALANCER_NODE_PRICE.monthlyUsd, source: 'published', asOf: LOAD_BALANCER_NODE_PRICE.asOf });
    expect(cost.monthlyUsd).toBe(5 * 24 + LOAD_BALANCER_NODE_PRICE.monthlyUsd);
    expect(cost.estimate).toBe(true);
    expect(formatCost(cost)).toMatch(new RegExp(`^Monthly cost: \\$${5 * 24 + LOAD_BALANCER_NODE_PRICE.monthlyUsd}\\.00 \\(an estimate: .* as of ${LOAD_BALANCER_NODE_PRICE.asOf}\\)`));
  });

  it('cents add up without floating-point dust', () => {
    expect(projectCost({ ...seed, topology: 'manager', workers: 2 }, new Map([['s-1vcpu-2gb', 0.1]])).monthlyUsd).toBe(0.4);
  });

  it('without a token the droplet prices and the sum are unknown, never made up', () => {
    const cost = projectCost(seed, 'no-token');
    expect(cost.monthlyUsd).toBeNull();
    expect(cost.items[0]?.unitMonthlyUsd).toBeNull();
    const text = formatCost(cost);
    expect(text).toContain('Monthly cost: unknown');
    expect(text).toContain('5 × droplet s-1vcpu-2gb  price unknown');
    expect(text).toContain('unknown without DIGITALOCEAN_TOKEN');
    expect(text).not.toMatch(/\$\d/);
  });

  it('a size the API does not list, or prices that could not be read: unknown, with the reason', () => {
    expect(projectCost({ ...seed, size: 's-4vcpu-8gb' }, prices).notes[0]).toBe("DigitalOcean's API (GET /v2/sizes) does not list the size s-4vcpu-8gb: its price is unknown.");
    const unreadable = projectCost(seed, { unreadable: 'reading the droplet prices failed: DigitalOcean GET /v2/sizes answered HTTP 500' });
    expect(unreadable.monthlyUsd).toBeNull();
    expect(unreadable.notes[0]).toContain('answered HTTP 500');
  });
});
