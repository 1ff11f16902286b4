import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudApi } from '../../src/adapters/digitalocean/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from './index.js';
import { KNOWN_SIZES } from './routes/droplets.js';

// GET /v2/sizes in the fake: every size the project can use, with a price a test can change; each
// request and answer checked against DigitalOcean's spec (sizes_list, the size schema).

let fake: FakeDigitalOcean;

beforeEach(async () => {
  fake = await startFakeDigitalOcean();
});

afterEach(async () => {
  await fake.stop();
  fake.assertNoViolations();
});

const get = async (path: string) => {
  const response = await fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${fake.token}` } });
  return { status: response.status, body: (await response.json()) as { sizes: Record<string, unknown>[]; links: { pages?: Record<string, string> }; meta: { total: number } } };
};

describe('the fake DigitalOcean API: GET /v2/sizes', () => {
  it("lists every size the wizard offers with DigitalOcean's fields and Basic prices, valid by the spec", async () => {
    const { status, body } = await get('/v2/sizes');
    expect(status).toBe(200);
    expect(body.sizes.map((size) => size.slug)).toEqual(KNOWN_SIZES);
    expect(body.meta.total).toBe(KNOWN_SIZES.length);
    expect(Object.fromEntries(body.sizes.map((size) => [size.slug, size.price_monthly]))).toEqual({ 's-1vcpu-1gb': 6, 's-1vcpu-2gb': 12, 's-2vcpu-2gb': 18, 's-2vcpu-4gb': 24, 's-4vcpu-8gb': 48 });
    expect(body.sizes[1]).toMatchObject({ slug: 's-1vcpu-2gb', memory: 2048, vcpus: 1, disk: 50, transfer: 2, price_hourly: 0.01786, available: true, description: 'Basic', regions: expect.arrayContaining(['fra1', 'nyc3']) });
    expect(fake.requests.map((request) => `${request.method} ${request.path} ${request.operationId} ${request.status}`)).toEqual(['GET /v2/sizes sizes_list 200']);
  });

  it('pages like every list (per_page, links.pages.next)', async () => {
    const first = await get('/v2/sizes?per_page=2');
    expect(first.body.sizes).toHaveLength(2);
    expect(first.body.links.pages?.next).toContain('page=2');
    const last = await get('/v2/sizes?per_page=2&page=3');
    expect(last.body.sizes.map((size) => size.slug)).toEqual(['s-4vcpu-8gb']);
  });

  it('a test changes a price through the state, the sizePrices option, or POST /__fake/sizes; the droplet it creates carries the same price', async () => {
    fake.state.sizePrices['s-1vcpu-2gb'] = 14;
    expect((await get('/v2/sizes')).body.sizes.find((size) => size.slug === 's-1vcpu-2gb')?.price_monthly).toBe(14);

    await fetch(`${fake.url}/__fake/sizes`, { method: 'POST', body: JSON.stringify({ 's-2vcpu-4gb': 26.5 }) });
    expect(fake.state.sizePrices['s-2vcpu-4gb']).toBe(26.5);

    const other = await startFakeDigitalOcean({ sizePrices: { 's-1vcpu-1gb': 7 } });
    try {
      expect(other.state.sizePrices).toMatchObject({ 's-1vcpu-1gb': 7, 's-1vcpu-2gb': 12 });
    } finally {
      await other.stop();
    }

    const created = await fetch(`${fake.url}/v2/droplets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'priced', region: 'fra1', size: 's-1vcpu-2gb', image: 'debian-13-x64' }),
    });
    expect(((await created.json()) as { droplet: { size: { price_monthly: number } } }).droplet.size.price_monthly).toBe(14);
  });

  it('the adapter reads every page into slug and price (CloudApi.listSizes)', async () => {
    fake.state.sizePrices['s-4vcpu-8gb'] = 50;
    const sizes = await createCloudApi({ token: fake.token, baseUrl: fake.url, timeoutMs: 5000 }).listSizes();
    expect(sizes.map(({ slug, priceMonthly }) => [slug, priceMonthly])).toEqual([
      ['s-1vcpu-1gb', 6],
      ['s-1vcpu-2gb', 12],
      ['s-2vcpu-2gb', 18],
      ['s-2vcpu-4gb', 24],
      ['s-4vcpu-8gb', 50],
    ]);
    expect(sizes[0]).toMatchObject({ available: true, regions: expect.arrayContaining(['fra1']) });
    expect(fake.requests.map((request) => `${request.method} ${request.path}${request.query}`)).toEqual(['GET /v2/sizes?page=1&per_page=200']);
  });
});
