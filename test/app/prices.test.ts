import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCost } from '../../src/app/prices.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { emptyState, saveState } from '../../src/state/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';

// `status` shows the monthly cost of a project on droplets: the fake's GET /v2/sizes prices times the
// droplets, plus the load balancer; unknown without a token or when the API does not answer in time.

const config = parseConfig({ ...SEED_EXAMPLE, project: 'cost', size: 's-1vcpu-2gb', managers: 1, workers: 2, topology: 'global-lb' });
let fake: FakeDigitalOcean;
let dir: string;

beforeAll(async () => {
  fake = await startFakeDigitalOcean();
  dir = await mkdtemp(join(tmpdir(), 'swz-status-cost-'));
  await saveState(dir, { ...emptyState('cost'), target: 'digitalocean' });
});

afterAll(async () => {
  await fake.stop();
  fake.assertNoViolations();
  await rm(dir, { recursive: true, force: true });
});

describe('statusCost', () => {
  it("with a token: the API's price of the size times the droplets, plus the load balancer's published price; a changed price changes it", async () => {
    const credentials = { token: fake.token, apiUrl: fake.url, env: {} };
    const cost = await statusCost({ config, dir, credentials });
    expect(cost?.monthlyUsd).toBe(4 * 12 + 12);
    expect(cost?.items.map(({ what, count, unitMonthlyUsd }) => ({ what, count, unitMonthlyUsd }))).toEqual([
      { what: 'droplet s-1vcpu-2gb', count: 4, unitMonthlyUsd: 12 },
      { what: 'load balancer node', count: 1, unitMonthlyUsd: 12 },
    ]);
    fake.state.sizePrices['s-1vcpu-2gb'] = 14;
    expect((await statusCost({ config, dir, credentials }))?.monthlyUsd).toBe(4 * 14 + 12);
    expect(fake.requests.filter((request) => request.operationId === 'sizes_list')).toHaveLength(2);
  });

  it('without a token the prices are unknown, never made up; --target local or a project not on droplets has no cost', async () => {
    const unknown = await statusCost({ config, dir, credentials: { env: {} } });
    expect(unknown?.monthlyUsd).toBeNull();
    expect(unknown?.notes[0]).toContain('unknown without DIGITALOCEAN_TOKEN');
    expect(await statusCost({ config, dir, credentials: { env: {} }, target: 'local' })).toBeUndefined();
    const local = await mkdtemp(join(tmpdir(), 'swz-status-cost-local-'));
    try {
      await saveState(local, { ...emptyState('cost'), target: 'local' });
      expect(await statusCost({ config, dir: local, credentials: { env: {} } })).toBeUndefined();
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  it('an API that does not answer within the limit: unknown, with the reason', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const cost = await statusCost({ config, dir, credentials: { token: 'dop_v1_test', apiUrl: `http://127.0.0.1:${port}`, env: {} }, timeoutMs: 300 });
      expect(cost?.monthlyUsd).toBeNull();
      expect(cost?.notes[0]).toBe("The droplet prices are unknown: DigitalOcean's API did not answer within 0.3 s");
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
