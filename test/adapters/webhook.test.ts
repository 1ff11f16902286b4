import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrub, sendHttp } from '../../src/adapters/webhook.js';
import { freePort } from '../support/net.js';

const TOKEN = 'T0KEN-s3cr3t-4f9a';
const PATH = `/hooks/${TOKEN}`;

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];
/** Open connections of the "never answers" route, closed after the tests. */
const hanging = new Set<ServerResponse>();

/** The route is the first path segment; the rest (the token) is what a real webhook URL hides. */
function answer(request: IncomingMessage, response: ServerResponse, body: string) {
  received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
  const route = (request.url ?? '').split('/')[1];
  switch (route) {
    case 'ok':
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    case 'no-content':
      response.writeHead(204).end();
      return;
    case 'fail':
      // A body that echoes the URL and token, long and with escapes: none of it may reach the reason.
      response.writeHead(500, 'Internal \u009b31mError', { 'content-type': 'text/plain' }).end(`boom ${request.url} ${'x'.repeat(10_000)}`);
      return;
    case 'slack-word':
      response.writeHead(403, { 'content-type': 'text/plain' }).end('invalid_token');
      return;
    case 'echo-status':
      response.writeHead(401, `Unauthorized ${TOKEN}`).end();
      return;
    case 'echo-word':
      response.writeHead(404, { 'content-type': 'text/plain' }).end(TOKEN);
      return;
    case 'redirect':
      response.writeHead(302, { location: `http://127.0.0.1:1/elsewhere/${TOKEN}` }).end();
      return;
    case 'hang':
      hanging.add(response);
      return;
    default:
      response.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const masked = () => `${base}/…`;
const url = (route: string) => `${base}/${route}${PATH}?token=${TOKEN}`;

/** The reason of a failed send (the send must fail), checked for leaks. */
async function reasonOf(route: string, timeoutMs?: number, target = url(route)): Promise<string> {
  const result = await sendHttp({ url: target, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' }, { maskedUrl: masked(), timeoutMs });
  expect(result.ok).toBe(false);
  const reason = result.ok ? '' : result.reason;
  expect(reason).not.toContain(TOKEN);
  expect(reason).not.toContain(PATH);
  expect(reason).not.toContain('/hooks');
  expect(reason).not.toContain(`/${route}/`);
  expect(reason).not.toContain('\n');
  // eslint-disable-next-line no-control-regex
  expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  expect(reason.startsWith(`${masked()}: `)).toBe(true);
  return reason;
}

describe('sendHttp', () => {
  it('delivers on 2xx and sends method, headers and body as given', async () => {
    received.length = 0;
    const result = await sendHttp({ url: url('ok'), method: 'POST', headers: { 'content-type': 'application/json', Title: 'T' }, body: '{"text":"hi ü"}' }, { maskedUrl: masked() });
    expect(result).toEqual({ ok: true, status: 200 });
    expect(received).toEqual([{ method: 'POST', url: `/ok${PATH}?token=${TOKEN}`, headers: expect.objectContaining({ 'content-type': 'application/json', title: 'T' }) as unknown, body: '{"text":"hi ü"}' }]);
  });

  it('delivers a GET (heartbeat) answered 204', async () => {
    expect(await sendHttp({ url: url('no-content'), method: 'GET', headers: {} }, { maskedUrl: masked() })).toEqual({ ok: true, status: 204 });
  });

  it('fails on 500 with the status and a cleaned reason phrase, never the body', async () => {
    const reason = await reasonOf('fail');
    expect(reason).toMatch(/: HTTP 500 Internal \S*Error$/);
    expect(reason).not.toContain('boom');
  });

  it("keeps a one-word answer like Slack's invalid_token", async () => {
    expect(await reasonOf('slack-word')).toBe(`${masked()}: HTTP 403 Forbidden (invalid_token)`);
  });

  it('drops a one-word answer that is the secret itself', async () => {
    expect(await reasonOf('echo-word')).toBe(`${masked()}: HTTP 404 Not Found`);
  });

  it('drops a reason phrase that repeats a piece of the URL', async () => {
    expect(await reasonOf('echo-status')).toBe(`${masked()}: HTTP 401`);
  });

  it('fails on a redirect without following it', async () => {
    received.length = 0;
    const reason = await reasonOf('redirect');
    expect(reason).toBe(`${masked()}: HTTP 302 Found, redirected (3xx); give the final URL`);
    expect(received).toHaveLength(1);
  });

  it('says "connection refused" when nothing listens', async () => {
    const port = await freePort();
    const reason = await reasonOf('ok', undefined, `http://127.0.0.1:${port}/ok${PATH}?token=${TOKEN}`);
    expect(reason).toBe(`${masked()}: connection refused (ECONNREFUSED)`);
  });

  it('times out on a server that never answers', async () => {
    const started = Date.now();
    const reason = await reasonOf('hang', 300);
    expect(reason).toBe(`${masked()}: timeout: no answer within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('builds a thrown error into words from its code alone, never its message', async () => {
    const leaky = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${url('x')}`), { code: 'ENOTFOUND' }) });
    const result = await sendHttp({ url: url('x'), method: 'GET', headers: {} }, { maskedUrl: masked(), fetch: () => Promise.reject(leaky) });
    expect(result).toEqual({ ok: false, reason: `${masked()}: host name not found (ENOTFOUND)` });
    const bare = await sendHttp({ url: url('x'), method: 'GET', headers: {} }, { maskedUrl: masked(), fetch: () => Promise.reject(new Error(url('x'))) });
    expect(bare).toEqual({ ok: false, reason: `${masked()}: the request failed (no error code)` });
  });
});

describe('scrub', () => {
  it('replaces every form of the URL with the masked one', () => {
    const secret = `https://hooks.example.test/services/${TOKEN}?q=${TOKEN}`;
    const text = `a ${secret} b hooks.example.test/services/${TOKEN}?q=${TOKEN} c /services/${TOKEN} d ?q=${TOKEN}\n e`;
    const clean = scrub(text, secret, 'https://hooks.example.test/services/…');
    expect(clean).not.toContain(TOKEN);
    expect(clean).toBe('a https://hooks.example.test/services/… b https://hooks.example.test/services/… c https://hooks.example.test/services/… d https://hooks.example.test/services/… e');
  });
});
