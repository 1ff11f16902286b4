import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudApi, RequestAbandoned, type DigitalOceanRequest } from '../../../src/adapters/digitalocean/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../../fake-do/index.js';

let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 10 });
});
afterEach(async () => {
  await fake.stop();
});

/** A client whose requests would otherwise wait 30 s for an answer and retry slowly; `stop` aborts the run. */
function stoppable(graceMs: number) {
  const stop = new AbortController();
  const abandoned: DigitalOceanRequest[] = [];
  const api = createCloudApi({ token: fake.token, baseUrl: fake.url, timeoutMs: 30_000, retry: { baseDelayMs: 20_000, maxDelayMs: 20_000 }, stop: { signal: stop.signal, graceMs, onAbandoned: (request) => abandoned.push(request) } });
  return { api, stop, abandoned };
}

describe('a stopped run (Ctrl-C, SIGTERM) and the API client', () => {
  it('a request in flight gets the grace to be answered, then is abandoned and reported; nothing more is sent', async () => {
    fake.faults.next({ method: 'GET', path: '/v2/account', hang: true });
    const { api, stop, abandoned } = stoppable(300);
    const hung = api.verifyToken();
    while (!fake.requests.some((r) => r.path === '/v2/account')) await new Promise((resolve) => setTimeout(resolve, 5));
    const stoppedAt = Date.now();
    stop.abort();
    await expect(hung).rejects.toBeInstanceOf(RequestAbandoned);
    const waited = Date.now() - stoppedAt;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(5_000);
    expect(abandoned).toEqual([{ method: 'GET', path: '/v2/account' }]);
    // After the grace nothing is sent: refused at once, and not reported (it never went out).
    const before = fake.requests.length;
    await expect(api.listSshKeys()).rejects.toMatchObject({ name: 'RequestAbandoned', sent: false });
    expect(fake.requests.length).toBe(before);
    expect(abandoned).toHaveLength(1);
  });

  it('a request answered within the grace counts as answered (what it made is recorded as usual)', async () => {
    fake.faults.next({ method: 'GET', path: '/v2/account', latencyMs: 100 });
    const { api, stop, abandoned } = stoppable(1000);
    const answered = api.verifyToken();
    stop.abort();
    await expect(answered).resolves.toMatchObject({ email: expect.any(String) });
    expect(abandoned).toEqual([]);
  });

  it('a wait between retries (a 5xx, backing off 20 s) ends with the grace', async () => {
    fake.faults.next({ method: 'GET', path: '/v2/account', status: 503 });
    const { api, stop } = stoppable(200);
    const retrying = api.verifyToken();
    while (!fake.requests.some((r) => r.path === '/v2/account' && r.status === 503)) await new Promise((resolve) => setTimeout(resolve, 5));
    const stoppedAt = Date.now();
    stop.abort();
    await expect(retrying).rejects.toMatchObject({ name: 'RequestAbandoned', sent: false });
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });
});
