import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { LOAD_BALANCER_NODE_PRICE } from '../../src/plan/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { tempDir } from '../support/files.js';
import { scriptedPrompter } from '../wizard/scripted-prompter.js';
import { testIo } from './test-io.js';

// What the project costs, in plan, plan --json and apply's review: droplet prices from the fake's
// GET /v2/sizes, the load balancer at DigitalOcean's published price; without a token, unknown.

let fake: FakeDigitalOcean;

beforeEach(async () => {
  fake = await startFakeDigitalOcean({ domains: ['a.com', 'b.com', 'c.com'] });
});

afterEach(async () => {
  await fake.stop();
  fake.assertNoViolations();
});

/** The seed's project behind a load balancer: 1 manager, 3 workers and the support server. */
async function project(): Promise<string> {
  const dir = await tempDir('plan-cost');
  await writeFile(join(dir, 'swarm-wiz.yaml'), configToYaml(parseConfig({ ...SEED_EXAMPLE, topology: 'global-lb' })));
  return dir;
}

async function planJson(dir: string, env: Record<string, string>) {
  const { io, stdout, stderr } = testIo({ cwd: dir, env });
  expect(await runCli(['plan', '--json'], io), stderr()).toBe(0);
  return JSON.parse(stdout()) as { cost: { monthlyUsd: number | null; currency: string; estimate: boolean; items: { what: string; count: number; unitMonthlyUsd: number | null; source: string; asOf?: string }[]; notes: string[] } };
}

const withToken = () => ({ DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url });

describe('the monthly cost in plan --json', () => {
  it("is the fake's price of the size × the droplets + the load balancer node; GET /v2/sizes is in the request log", async () => {
    const dir = await project();
    const { cost } = await planJson(dir, withToken());
    const dropletPrice = fake.state.sizePrices['s-1vcpu-2gb']!;
    expect(cost).toEqual({
      monthlyUsd: 5 * dropletPrice + LOAD_BALANCER_NODE_PRICE.monthlyUsd,
      currency: 'USD',
      estimate: true,
      items: [
        { what: 'droplet s-1vcpu-2gb', count: 5, unitMonthlyUsd: dropletPrice, source: 'api', detail: '1 manager, 3 workers, 1 support server' },
        { what: 'load balancer node', count: 1, unitMonthlyUsd: LOAD_BALANCER_NODE_PRICE.monthlyUsd, source: 'published', asOf: LOAD_BALANCER_NODE_PRICE.asOf },
      ],
      notes: [expect.stringContaining('Not counted')],
    });
    expect(fake.requests.filter((request) => request.path === '/v2/sizes').map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual(['GET /v2/sizes 200']);
    // plan changes nothing.
    expect(fake.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });

  it('changing a price in the fake changes the plan', async () => {
    const dir = await project();
    const before = (await planJson(dir, withToken())).cost.monthlyUsd!;
    fake.state.sizePrices['s-1vcpu-2gb'] = 14.5;
    const after = (await planJson(dir, withToken())).cost.monthlyUsd!;
    expect(after - before).toBeCloseTo(5 * (14.5 - 12));
    expect(after).toBe(5 * 14.5 + LOAD_BALANCER_NODE_PRICE.monthlyUsd);
  });

  it('without a token the droplet prices and the sum are unknown (null), and nothing is asked of DigitalOcean', async () => {
    const dir = await project();
    const { cost } = await planJson(dir, {});
    expect(cost.monthlyUsd).toBeNull();
    expect(cost.items[0]).toMatchObject({ what: 'droplet s-1vcpu-2gb', count: 5, unitMonthlyUsd: null });
    expect(cost.notes[0]).toContain('unknown without DIGITALOCEAN_TOKEN');
    expect(fake.requests).toEqual([]);
  });

  it('prices DigitalOcean fails to give: unknown with the reason, and the plan is still made', async () => {
    const dir = await project();
    fake.faults.next({ method: 'GET', path: '/v2/sizes', status: 403, message: 'You do not have access for the attempted action.' });
    const { cost } = await planJson(dir, withToken());
    expect(cost.monthlyUsd).toBeNull();
    expect(cost.notes[0]).toMatch(/^The droplet prices are unknown: reading the droplet prices failed: DigitalOcean GET \/v2\/sizes\S* answered HTTP 403: You do not have access/);
  });
});

describe('the monthly cost as text', () => {
  it('plan prints it before the cloud plan, whose summary stays the last line', async () => {
    const dir = await project();
    const { io, stdout } = testIo({ cwd: dir, env: withToken() });
    expect(await runCli(['plan'], io)).toBe(0);
    const out = stdout();
    expect(out).toContain(`Monthly cost: $72.00 (an estimate: the load balancer node's price is DigitalOcean's published one as of ${LOAD_BALANCER_NODE_PRICE.asOf})`);
    expect(out).toContain('  5 × droplet s-1vcpu-2gb  $12.00 = $60.00  (1 manager, 3 workers, 1 support server; price from the DigitalOcean API)');
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^Plan: /);
  });

  it("apply's review shows it before asking", async () => {
    const dir = await project();
    const { prompter } = scriptedPrompter([{ expect: 'Write these files and make these changes in DigitalOcean?', answer: false }]);
    const { io, stdout } = testIo({ cwd: dir, isTTY: true, prompter, env: { ...withToken(), SWARM_WIZ_OPERATOR_IP: '192.0.2.10' } });
    expect(await runCli(['apply'], io)).toBe(1);
    expect(stdout()).toContain('Monthly cost: $72.00');
    expect(fake.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });
});
