import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConformance } from './conformance.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from './index.js';
import { locateSpec } from './spec/locate-spec.js';

let fake: FakeDigitalOcean;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON, asserted field by field
async function call(method: string, path: string, body?: unknown, token: string = fake.token): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

const dropletBody = { names: ['n1', 'n2'], region: 'fra1', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64', tags: ['demo'] };

beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 20, domains: ['a.com'] });
});

afterEach(async () => {
  await fake.stop();
});

describe('the spec the fake checks against', () => {
  it('is found (beside the repo or via DIGITALOCEAN_OPENAPI_SPEC) so conformance is on', () => {
    expect(fake.conformance.enabled).toBe(true);
    expect(fake.conformance.specPath).toMatch(/openapi\.v2\.yaml$/);
  });

  it('is looked up relative to the repo, and a missing one turns checks off outside CI but fails under CI=true', () => {
    const missing = { DIGITALOCEAN_OPENAPI_SPEC: '/nonexistent/openapi.v2.yaml' };
    const location = locateSpec(missing);
    expect(location.found).toBe(false);
    if (!location.found) expect(location.message).toContain('https://github.com/digitalocean/openapi');
    expect(loadConformance({ env: { ...missing, CI: 'false' } }).validator).toBeUndefined();
    expect(() => loadConformance({ env: { ...missing, CI: 'true' } })).toThrow(/CI=true: the spec is required/);
  });
});

describe('conformance: requests', () => {
  it('rejects a droplet create without size with a 400 and records a violation that fails the test', async () => {
    const { size: _size, ...withoutSize } = dropletBody;
    const response = await call('POST', '/v2/droplets', withoutSize);
    expect(response.status).toBe(400);
    expect(response.json.message).toContain("must have required property 'size'");
    expect(fake.state.droplets).toHaveLength(0);
    expect(fake.violations).toHaveLength(1);
    expect(() => fake.assertNoViolations()).toThrow(/spec violation.*\n.*POST \/v2\/droplets/);
    fake.violations.length = 0;
  });

  it('rejects an unknown path, an unknown query parameter and a bad path parameter', async () => {
    expect((await call('GET', '/v2/dropletz')).status).toBe(400);
    expect((await call('GET', '/v2/droplets?tag=demo')).status).toBe(400);
    expect((await call('GET', '/v2/droplets/not-a-number')).status).toBe(400);
    expect((await call('GET', '/v2/droplets?per_page=500')).status).toBe(400);
    expect(fake.violations.map((violation) => violation.errors.join(' '))).toEqual([
      expect.stringContaining('not an operation of the DigitalOcean API spec'),
      expect.stringContaining('query parameter "tag" is not in the spec'),
      expect.stringContaining('path parameter "droplet_id" must be integer'),
      expect.stringContaining('query parameter "per_page" must be <= 200'),
    ]);
    fake.violations.length = 0;
  });

  it('rejects a JSON body sent without Content-Type: application/json', async () => {
    const response = await fetch(`${fake.url}/v2/tags`, { method: 'POST', headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'text/plain' }, body: '{"name":"x"}' });
    expect(response.status).toBe(400);
    expect(fake.violations[0]!.errors[0]).toContain('Content-Type: application/json');
    fake.violations.length = 0;
  });

  it('accepts conforming requests without violations', async () => {
    expect((await call('POST', '/v2/droplets', dropletBody)).status).toBe(202);
    expect((await call('GET', '/v2/droplets?tag_name=demo&page=1&per_page=1')).status).toBe(200);
    fake.assertNoViolations();
  });
});

describe('conformance: responses', () => {
  it('flags a response of the fake that drifts from the spec', async () => {
    await call('POST', '/v2/droplets', dropletBody);
    // Corrupt the stored droplet the way a careless change to the fake would.
    delete (fake.state.droplets[0] as Partial<(typeof fake.state.droplets)[0]>).memory;
    const response = await call('GET', '/v2/droplets?tag_name=demo');
    expect(response.status).toBe(200);
    expect(fake.violations).toEqual([expect.objectContaining({ kind: 'response', operationId: 'droplets_list', errors: [expect.stringContaining("must have required property 'memory'")] })]);
    fake.violations.length = 0;
  });
});

describe('behaviour', () => {
  it('requires the bearer token and never records it', async () => {
    fake.faults.next({ path: '/v2/account', status: 500 });
    const response = await call('GET', '/v2/account', undefined, 'wrong');
    expect(response.status).toBe(401);
    expect(fake.faults.pending()).toHaveLength(1); // an unauthenticated request does not use up a fault
    expect(response.json).toMatchObject({ id: 'Unauthorized', message: 'Unable to authenticate you' });
    expect(JSON.stringify(fake.requests)).not.toContain(fake.token);
    fake.assertNoViolations();
  });

  it('creates droplets in bulk as new, then active with public and private IPv4', async () => {
    const created = await call('POST', '/v2/droplets', dropletBody);
    expect(created.json.droplets.map((droplet: { status: string }) => droplet.status)).toEqual(['new', 'new']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const listed = await call('GET', '/v2/droplets?tag_name=demo');
    for (const droplet of listed.json.droplets) {
      expect(droplet.status).toBe('active');
      expect(droplet.networks.v4.map((network: { type: string }) => network.type).sort()).toEqual(['private', 'public']);
    }
    expect(fake.state.tags).toEqual(['demo']);
    fake.assertNoViolations();
  });

  it('tags and untags droplets through /v2/tags/{tag}/resources (204), for existing tags and droplets only', async () => {
    const [n1, n2] = (await call('POST', '/v2/droplets', dropletBody)).json.droplets as { id: number }[];
    const droplet = (id: number | undefined) => ({ resource_id: String(id), resource_type: 'droplet' });
    const tagsOf = () => fake.state.droplets.map((d) => [d.name, d.tags]);

    expect((await call('POST', '/v2/tags/edge/resources', { resources: [droplet(n1!.id)] })).status).toBe(404); // the tag must exist first
    await call('POST', '/v2/tags', { name: 'edge' });
    const tagged = await call('POST', '/v2/tags/edge/resources', { resources: [droplet(n1!.id), droplet(n2!.id)] });
    expect([tagged.status, tagged.json]).toEqual([204, undefined]);
    expect(tagsOf()).toEqual([['n1', ['demo', 'edge']], ['n2', ['demo', 'edge']]]);
    expect((await call('POST', '/v2/tags/edge/resources', { resources: [droplet(n1!.id)] })).status).toBe(204); // again: no change
    expect((await call('GET', '/v2/tags/edge')).json.tag.resources.droplets.count).toBe(2);

    expect((await call('DELETE', '/v2/tags/edge/resources', { resources: [droplet(n2!.id)] })).status).toBe(204);
    expect((await call('DELETE', '/v2/tags/edge/resources', { resources: [droplet(n2!.id)] })).status).toBe(204); // again: no change
    expect(tagsOf()).toEqual([['n1', ['demo', 'edge']], ['n2', ['demo']]]);
    expect((await call('GET', '/v2/droplets?tag_name=edge')).json.droplets.map((d: { name: string }) => d.name)).toEqual(['n1']);

    // An unknown droplet among the resources: 404 and nothing changes; an empty list: 400.
    expect((await call('DELETE', '/v2/tags/edge/resources', { resources: [droplet(n1!.id), droplet(999)] })).json).toMatchObject({ id: 'not_found' });
    expect((await call('DELETE', '/v2/tags/missing/resources', { resources: [droplet(n1!.id)] })).status).toBe(404);
    expect((await call('POST', '/v2/tags/edge/resources', { resources: [] })).json).toMatchObject({ id: 'parameter_missing' });
    expect(tagsOf()).toEqual([['n1', ['demo', 'edge']], ['n2', ['demo']]]);
    fake.assertNoViolations();
  });

  it('rejects a tag-resources body the spec does not allow (resource_type outside its enum) as a violation', async () => {
    await call('POST', '/v2/tags', { name: 'edge' });
    const response = await call('POST', '/v2/tags/edge/resources', { resources: [{ resource_id: '1', resource_type: 'load_balancer' }] });
    expect(response.status).toBe(400);
    expect(fake.violations.map((v) => [v.kind, v.operationId])).toEqual([['request', 'tags_assign_resources']]);
  });

  it('can keep a droplet `new` for ever', async () => {
    fake.faults.dropletNeverActive('n2');
    await call('POST', '/v2/droplets', dropletBody);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fake.state.droplets.map((droplet) => [droplet.name, droplet.status])).toEqual([
      ['n1', 'active'],
      ['n2', 'new'],
    ]);
  });

  it('paginates with links and meta.total, and sends the rate-limit headers', async () => {
    fake.state.account.droplet_limit = 100;
    for (let batch = 0; batch < 3; batch += 1) await call('POST', '/v2/droplets', { ...dropletBody, names: Array.from({ length: 10 }, (_, index) => `d${batch}-${index}`) });
    const first = await call('GET', '/v2/droplets?per_page=12');
    expect(first.json.droplets).toHaveLength(12);
    expect(first.json.meta.total).toBe(30);
    expect(first.json.links.pages.next).toBe(`${fake.url}/v2/droplets?per_page=12&page=2`);
    expect(first.json.links.pages.last).toBe(`${fake.url}/v2/droplets?per_page=12&page=3`);
    const last = await call('GET', '/v2/droplets?per_page=12&page=3');
    expect(last.json.droplets).toHaveLength(6);
    expect(last.json.links.pages).toMatchObject({ first: expect.any(String), prev: expect.any(String) });
    expect(last.json.links.pages.next).toBeUndefined();
    expect(Number(last.headers.get('ratelimit-limit'))).toBe(5000);
    expect(Number(last.headers.get('ratelimit-remaining'))).toBeLessThan(5000);
    expect(Number(last.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    fake.assertNoViolations();
  });

  it('injects 429 with Retry-After for the given number of matching requests, then answers normally', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/droplets', status: 429, retryAfter: 3, times: 2 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const limited = await call('POST', '/v2/droplets', dropletBody);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect(limited.headers.get('ratelimit-remaining')).toBe('0');
      expect(limited.json).toMatchObject({ id: 'too_many_requests', request_id: expect.any(String) });
    }
    expect((await call('POST', '/v2/droplets', dropletBody)).status).toBe(202);
    expect(fake.faults.pending()).toEqual([]);
    fake.assertNoViolations();
  });

  it('matches faults by spec path template and can apply them after the request took effect', async () => {
    fake.faults.next({ method: 'DELETE', path: '/v2/domains/{domain_name}/records/{domain_record_id}', status: 503, afterEffect: true });
    const record = await call('POST', '/v2/domains/a.com/records', { type: 'TXT', name: '_acme-challenge', data: 'x', ttl: 30 });
    const deleted = await call('DELETE', `/v2/domains/a.com/records/${record.json.domain_record.id}`);
    expect(deleted.status).toBe(503);
    expect(fake.state.domainRecords.get('a.com')!.map((candidate) => candidate.id)).not.toContain(record.json.domain_record.id);
    fake.assertNoViolations();
  });

  it('returns the API error body for 404 and 422', async () => {
    expect((await call('DELETE', '/v2/droplets/424242')).json).toMatchObject({ id: 'not_found' });
    const invalid = await call('POST', '/v2/droplets', { ...dropletBody, size: 's-99vcpu' });
    expect(invalid.status).toBe(422);
    expect(invalid.json.message).toContain('Size "s-99vcpu" is not available');
    fake.assertNoViolations();
  });
});

describe('serve.ts', () => {
  it('runs the fake as its own process, prints its URL and exposes state for inspection', async () => {
    const serve = fileURLToPath(new URL('./serve.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', serve, '--domain', 'b.com', '--token', 'serve-token'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { url, conformance } = JSON.parse(line) as { url: string; conformance: boolean };
      expect(conformance).toBe(true);
      const created = await fetch(`${url}/v2/tags`, { method: 'POST', headers: { authorization: 'Bearer serve-token', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'demo' }) });
      expect(created.status).toBe(201);
      const state = (await (await fetch(`${url}/__fake/state`)).json()) as { tags: string[]; domains: { name: string }[] };
      expect(state.tags).toEqual(['demo']);
      expect(state.domains.map((domain) => domain.name)).toEqual(['b.com']);
      expect(await (await fetch(`${url}/__fake/violations`)).json()).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
