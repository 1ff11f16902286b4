import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudApi, DigitalOceanError, type CloudApi, type CreateDropletsRequest, type RetryEvent } from '../../../src/adapters/digitalocean/index.js';
import { retryAfterMs } from '../../../src/adapters/digitalocean/api-fetch.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../../fake-do/index.js';

/** A token shaped like a real one, unique per run, so a leak anywhere is unmistakable. */
const TOKEN = `dop_v1_${randomBytes(32).toString('hex')}`;

let fake: FakeDigitalOcean;
let api: CloudApi;
let retries: RetryEvent[];
/** Every error any test saw: at the end, none of them may contain the token. */
const seenErrors: unknown[] = [];

const dropletRequest: CreateDropletsRequest = { names: ['demo-1', 'demo-2', 'demo-3'], region: 'fra1', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64', tags: ['swarm-wiz-demo'], sshKeyIds: [] };

async function failure(promise: Promise<unknown>): Promise<DigitalOceanError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  seenErrors.push(error);
  expect(error).toBeInstanceOf(DigitalOceanError);
  return error as DigitalOceanError;
}

const requestsTo = (method: string, path: string): number => fake.requests.filter((request) => request.method === method && request.path === path).length;

beforeEach(async () => {
  fake = await startFakeDigitalOcean({ token: TOKEN, activeAfterMs: 10, domains: ['a.com'] });
  retries = [];
  api = createCloudApi({ token: TOKEN, baseUrl: fake.url, timeoutMs: 1000, retry: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 4 }, onRetry: (event) => retries.push(event) });
});

afterEach(async () => {
  await fake.stop();
  fake.assertNoViolations();
});

afterAll(() => {
  expect(seenErrors.length).toBeGreaterThan(10);
  for (const error of seenErrors) {
    const forms = [String(error), JSON.stringify(error), inspect(error, { depth: 10, showHidden: true }), (error as Error).stack ?? ''];
    for (const form of forms) expect(form).not.toContain(TOKEN);
  }
});

describe('401: the token was rejected', () => {
  it('stops at once, without retrying, and says how to get a working token', async () => {
    const rejecting = createCloudApi({ token: `${TOKEN}-revoked`, baseUrl: fake.url, onRetry: (event) => retries.push(event) });
    const error = await failure(rejecting.verifyToken());
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, apiMessage: 'Unable to authenticate you', request: { method: 'GET', path: '/v2/account' } });
    expect(error.message).toContain('create a read/write token at https://cloud.digitalocean.com/account/api/tokens and set DIGITALOCEAN_TOKEN');
    expect(fake.requests).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('also stops at once when an injected 401 hits a create', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/droplets', status: 401, times: 5 });
    const error = await failure(api.createDroplets(dropletRequest));
    expect(error.kind).toBe('unauthorized');
    expect(requestsTo('POST', '/v2/droplets')).toBe(1);
    expect(fake.state.droplets).toEqual([]);
  });
});

describe('429: rate-limited', () => {
  it('retries after the Retry-After the API asked for, then succeeds', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/droplets', status: 429, retryAfter: 1, times: 2 });
    const created = await api.createDroplets(dropletRequest);
    expect(created.map((droplet) => droplet.name)).toEqual(dropletRequest.names);
    expect(retries.map((event) => [event.error.kind, event.delayMs])).toEqual([
      ['rate-limited', 1000],
      ['rate-limited', 1000],
    ]);
    const attempts = fake.requests.filter((request) => request.method === 'POST');
    expect(attempts).toHaveLength(3);
    // The adapter really waited as asked (a lower bound on the gap, not a speed target).
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(950);
    expect(fake.state.droplets).toHaveLength(3);
  });

  it('without Retry-After, waits until ratelimit-reset', async () => {
    fake.faults.next({ method: 'GET', path: '/v2/account', status: 429, resetAfter: 1 });
    await api.verifyToken();
    expect(retries).toHaveLength(1);
    expect(retries[0]!.delayMs).toBeGreaterThan(0);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(2000);
  });

  it('when the hourly limit itself is used up, waits for ratelimit-reset and carries on', async () => {
    const limited = await startFakeDigitalOcean({ token: TOKEN, rateLimit: 2, rateLimitWindowSeconds: 1 });
    try {
      const limitedApi = createCloudApi({ token: TOKEN, baseUrl: limited.url, onRetry: (event) => retries.push(event) });
      for (let call = 0; call < 3; call += 1) await limitedApi.createTag(`tag-${call}`);
      expect(limited.state.tags).toEqual(['tag-0', 'tag-1', 'tag-2']);
      expect(limited.requests.map((request) => request.status)).toEqual([201, 201, 429, 201]);
      expect(retries).toHaveLength(1);
      expect(retries[0]!.error.kind).toBe('rate-limited');
      limited.assertNoViolations();
    } finally {
      await limited.stop();
    }
  });

  it('reads Retry-After as seconds or an HTTP date, and ratelimit-reset only when the limit is used up', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': String(now / 1000 + 30) }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'ratelimit-remaining': '12', 'ratelimit-reset': String(now / 1000 + 30) }), now)).toBeUndefined();
  });

  it('gives up at once, as rate-limited, when asked to wait longer than it is willing to', async () => {
    const patient = createCloudApi({ token: TOKEN, baseUrl: fake.url, retry: { maxRetryAfterMs: 5000 } });
    fake.faults.next({ method: 'GET', path: '/v2/account', status: 429, retryAfter: 3600 });
    const error = await failure(patient.verifyToken());
    expect(error).toMatchObject({ kind: 'rate-limited', status: 429, details: expect.objectContaining({ retryAfterMs: 3_600_000 }) });
    expect(error.message).toContain('wait a minute and run the command again');
  });
});

describe('5xx: server errors', () => {
  it('retries 500 and 503 with growing backoff, then succeeds', async () => {
    fake.faults.next({ method: 'GET', path: '/v2/droplets', status: 500 });
    fake.faults.next({ method: 'GET', path: '/v2/droplets', status: 503 });
    expect(await api.listDropletsByTag('swarm-wiz-demo')).toEqual([]);
    expect(retries.map((event) => [event.attempt, event.error.status])).toEqual([
      [1, 500],
      [2, 503],
    ]);
    expect(requestsTo('GET', '/v2/droplets')).toBe(3);
  });

  it('fails clearly after the capped number of attempts', async () => {
    fake.faults.next({ method: 'GET', path: '/v2/account', status: 503, times: 10 });
    const error = await failure(api.verifyToken());
    expect(error).toMatchObject({ kind: 'server', status: 503, apiMessage: 'The service is temporarily unavailable.' });
    expect(error.message).toMatch(/^DigitalOcean GET \/v2\/account failed \(HTTP 503 after 4 attempts\): The service is temporarily unavailable\. What to do: .*run the command again/);
    expect(requestsTo('GET', '/v2/account')).toBe(4);
  });

  it('never creates duplicate droplets: after a 500 that did create them, it finds them by tag and name instead of creating again', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/droplets', status: 500, afterEffect: true });
    const created = await api.createDroplets(dropletRequest);
    expect(created.map((droplet) => droplet.name).sort()).toEqual(dropletRequest.names);
    expect(requestsTo('POST', '/v2/droplets')).toBe(1);
    expect(fake.state.droplets.map((droplet) => droplet.name).sort()).toEqual(dropletRequest.names);
  });

  it('finds untagged droplets by name after a lost answer', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/droplets', status: 502, afterEffect: true });
    const created = await api.createDroplets({ ...dropletRequest, tags: [] });
    expect(created.map((droplet) => droplet.name).sort()).toEqual(dropletRequest.names);
    expect(requestsTo('POST', '/v2/droplets')).toBe(1);
    expect(fake.requests.filter((request) => request.method === 'GET').map((request) => request.query)).toEqual(dropletRequest.names.map((name) => `?name=${name}&page=1&per_page=200`));
  });

  it('after a 500 that created nothing, creates them again: exactly the droplets asked for', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/droplets', status: 500 });
    await api.createDroplets(dropletRequest);
    expect(requestsTo('POST', '/v2/droplets')).toBe(2);
    expect(fake.state.droplets.map((droplet) => droplet.name).sort()).toEqual(dropletRequest.names);
  });

  it('never duplicates a DNS record, VPC, firewall or load balancer after a lost answer', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/domains/{domain_name}/records', status: 503, afterEffect: true });
    fake.faults.next({ method: 'POST', path: '/v2/vpcs', status: 500, afterEffect: true });
    fake.faults.next({ method: 'POST', path: '/v2/firewalls', status: 500, afterEffect: true });
    fake.faults.next({ method: 'POST', path: '/v2/load_balancers', status: 500, afterEffect: true });
    const record = await api.createDomainRecord('a.com', { type: 'TXT', name: '_acme-challenge', data: 'token-1', ttl: 30 });
    const vpc = await api.createVpc({ name: 'demo', region: 'fra1' });
    await api.createTag('swarm-wiz-demo');
    await api.createFirewall({ name: 'demo', tags: ['swarm-wiz-demo'], inbound: [{ protocol: 'tcp', ports: '22', addresses: ['0.0.0.0/0'] }], outbound: [] });
    await api.createLoadBalancer({ name: 'demo', region: 'fra1', vpcUuid: vpc.id, tag: 'swarm-wiz-demo', forwarding: [{ entryProtocol: 'tcp', entryPort: 443, targetProtocol: 'tcp', targetPort: 443 }], healthCheck: { protocol: 'tcp', port: 443 } });
    expect(fake.state.domainRecords.get('a.com')!.filter((candidate) => candidate.type === 'TXT')).toEqual([expect.objectContaining({ id: record.id, data: 'token-1' })]);
    expect(fake.state.vpcs.map((candidate) => candidate.id)).toEqual([vpc.id]);
    expect(fake.state.firewalls).toHaveLength(1);
    expect(fake.state.loadBalancers).toHaveLength(1);
    expect(retries).toHaveLength(4);
  });

  it('counts a delete as done when its answer was lost and the repeat finds the droplet gone', async () => {
    const [droplet] = await api.createDroplets({ ...dropletRequest, names: ['demo-1'] });
    fake.faults.next({ method: 'DELETE', path: '/v2/droplets/{droplet_id}', status: 500, afterEffect: true });
    await api.deleteDroplet(droplet!.id);
    expect(fake.state.droplets).toEqual([]);
    expect(requestsTo('DELETE', `/v2/droplets/${droplet!.id}`)).toBe(2);
  });
});

describe('re-tagging droplets (idempotent)', () => {
  it('is repeated after a 5xx whose answer was lost, and ends with the tag moved exactly once', async () => {
    const [first, second] = await api.createDroplets({ ...dropletRequest, names: ['demo-1', 'demo-2'] });
    await api.createTag('edge');
    await api.tagDroplets('edge', [first!.id]);
    fake.faults.next({ method: 'POST', path: '/v2/tags/{tag_id}/resources', status: 500, afterEffect: true });
    fake.faults.next({ method: 'DELETE', path: '/v2/tags/{tag_id}/resources', status: 503, afterEffect: true });
    await api.tagDroplets('edge', [second!.id]);
    await api.untagDroplets('edge', [first!.id]);
    expect(requestsTo('POST', '/v2/tags/edge/resources')).toBe(3);
    expect(requestsTo('DELETE', '/v2/tags/edge/resources')).toBe(2);
    expect(retries.map((event) => [event.request, event.error.status])).toEqual([
      ['POST /v2/tags/edge/resources', 500],
      ['DELETE /v2/tags/edge/resources', 503],
    ]);
    expect(fake.state.droplets.map((droplet) => [droplet.name, droplet.tags])).toEqual([
      ['demo-1', ['swarm-wiz-demo']],
      ['demo-2', ['swarm-wiz-demo', 'edge']],
    ]);
  });

  it('a 404 (the tag is gone) is reported at once, not retried', async () => {
    const [droplet] = await api.createDroplets({ ...dropletRequest, names: ['demo-1'] });
    const error = await failure(api.untagDroplets('gone', [droplet!.id]));
    expect(error).toMatchObject({ kind: 'not-found', status: 404, request: { method: 'DELETE', path: '/v2/tags/gone/resources' } });
    expect(retries).toEqual([]);
  });
});

describe('4xx: the request itself was refused', () => {
  it('422 surfaces the API message and is not retried', async () => {
    const error = await failure(api.createDroplets({ ...dropletRequest, size: 's-64vcpu-512gb' }));
    expect(error).toMatchObject({ kind: 'invalid', status: 422, request: { method: 'POST', path: '/v2/droplets' } });
    expect(error.apiMessage).toContain('Size "s-64vcpu-512gb" is not available');
    expect(error.message).toContain('Size "s-64vcpu-512gb" is not available');
    expect(retries).toEqual([]);
  });

  it('an injected 422 carries the API error id, message and request id', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/tags', status: 422, message: 'tag name is invalid' });
    const error = await failure(api.createTag('x'));
    expect(error).toMatchObject({ kind: 'invalid', status: 422, apiMessage: 'tag name is invalid', details: expect.objectContaining({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) }) });
  });

  it('404 is not-found, and a first-attempt 404 on delete is reported, not hidden', async () => {
    const error = await failure(api.deleteDroplet(987654));
    expect(error).toMatchObject({ kind: 'not-found', status: 404, request: { method: 'DELETE', path: '/v2/droplets/987654' } });
    const missingDomain = await failure(api.listDomainRecords('not-mine.com'));
    expect(missingDomain).toMatchObject({ kind: 'not-found', status: 404, request: { method: 'GET', path: '/v2/domains/not-mine.com/records?page=1&per_page=200' } });
  });
});

describe('no answer', () => {
  it('a hanging request becomes a timeout error after the configured time, retried up to the cap', async () => {
    fake.faults.next({ method: 'GET', path: '/v2/account', hang: true, times: 10 });
    const hurried = createCloudApi({ token: TOKEN, baseUrl: fake.url, timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 10 } });
    const error = await failure(hurried.verifyToken());
    expect(error).toMatchObject({ kind: 'timeout', status: undefined, request: { method: 'GET', path: '/v2/account' } });
    expect(error.message).toContain('no answer within 200 ms');
    expect(requestsTo('GET', '/v2/account')).toBe(2);
  });

  it('a create whose answer never came is looked up, not repeated', async () => {
    fake.faults.next({ method: 'POST', path: '/v2/droplets', hang: true, afterEffect: true });
    const hurried = createCloudApi({ token: TOKEN, baseUrl: fake.url, timeoutMs: 300, retry: { baseDelayMs: 10 } });
    const created = await hurried.createDroplets(dropletRequest);
    expect(created).toHaveLength(3);
    expect(requestsTo('POST', '/v2/droplets')).toBe(1);
    expect(fake.state.droplets).toHaveLength(3);
  });

  it('an unreachable API is reported as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = createCloudApi({ token: TOKEN, baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 2, baseDelayMs: 10 } });
    const error = await failure(nowhere.listDomains());
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('check your network, proxy and DIGITALOCEAN_API_URL');
  });

  it('an empty token is refused before any request', () => {
    let error: unknown;
    try {
      createCloudApi({ token: '', baseUrl: fake.url });
    } catch (caught) {
      error = caught;
    }
    seenErrors.push(error);
    expect(error).toMatchObject({ kind: 'unauthorized' });
    expect(fake.requests).toEqual([]);
  });
});
