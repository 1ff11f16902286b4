import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConformance } from './conformance.js';
import { defaultErrorFor, FaultInjector, type FaultRule } from './faults.js';
import { accountRoutes } from './routes/account.js';
import { addDomain, domainRoutes } from './routes/domains.js';
import { dropletRoutes } from './routes/droplets.js';
import { firewallRoutes } from './routes/firewalls.js';
import { loadBalancerRoutes } from './routes/load-balancers.js';
import { uuid, type Route, type RouteResult } from './routes/route.js';
import { sizeRoutes } from './routes/sizes.js';
import { tagRoutes } from './routes/tags.js';
import { vpcRoutes } from './routes/vpcs.js';
import type { OperationMatch } from './spec/openapi-validator.js';
import { createFakeState, type FakeMachines, type FakeState } from './state.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const DEFAULT_FAKE_TOKEN = 'dop_v1_fake0000000000000000000000000000000000000000000000000000000000';

export interface FakeDigitalOceanOptions {
  /** The one token the fake accepts (`Authorization: Bearer <token>`). */
  token?: string;
  /** Milliseconds until a new droplet / load balancer becomes `active` (default 30). */
  activeAfterMs?: number;
  /** Spec file (default: `DIGITALOCEAN_OPENAPI_SPEC`, else `<repo>/../shared/digitalocean/openapi.v2.yaml`). */
  specPath?: string;
  /** Domains the account already serves in DigitalOcean DNS. */
  domains?: string[];
  /** `ratelimit-limit`: requests per window (default 5000 per hour, like the real API); beyond it, 429s until the window resets. */
  rateLimit?: number;
  /** Length of the rate-limit window in seconds (default 3600). */
  rateLimitWindowSeconds?: number;
  /** Loopback port (default 0: the OS picks a free one). */
  port?: number;
  /**
   * Awaited after every change the API made (a non-GET request it carried out), before it answers:
   * a test publishes the fake's DNS records in challtestsrv here, as DigitalOcean's name servers would.
   */
  afterChange?: (state: FakeState) => Promise<void>;
  /** Real machines behind the droplets (see FakeMachines); droplets wait for one before they are active. */
  machines?: FakeMachines;
  /** The account's droplet limit (default 25); the sandbox sets it to the number of machines it has. */
  dropletLimit?: number;
  /** Monthly prices (USD) per size slug that GET /v2/sizes lists, over the defaults (routes/sizes.ts); later changes go to `state.sizePrices`. */
  sizePrices?: Record<string, number>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  body: unknown;
  operationId: string | undefined;
  /** 0 while the request is unanswered (e.g. a hang). */
  status: number;
  /** Whether the request carried the valid token (the token itself is never recorded). */
  authorized: boolean;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface Violation {
  kind: 'request' | 'response';
  method: string;
  path: string;
  operationId: string | undefined;
  status?: number;
  errors: string[];
}

export interface FakeDigitalOcean {
  url: string;
  token: string;
  state: FakeState;
  faults: FaultInjector;
  requests: RecordedRequest[];
  violations: Violation[];
  conformance: { enabled: boolean; specPath: string | undefined; loadMs: number };
  /** Adds a domain (with its NS/SOA records) to the account. */
  addDomain(name: string): void;
  /** Throws, listing every request or response that did not conform to the spec. */
  assertNoViolations(): void;
  stop(): Promise<void>;
}

/** Path prefix of the fake's own control endpoints (state, requests, violations, faults). */
export const CONTROL_PREFIX = '/__fake/';

const ROUTES: Route[] = [...accountRoutes, ...dropletRoutes, ...tagRoutes, ...vpcRoutes, ...firewallRoutes, ...loadBalancerRoutes, ...domainRoutes, ...sizeRoutes];

function findRoute(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const segments = pathname.split('/');
  let best: { route: Route; params: Record<string, string>; literals: number } | undefined;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const parts = route.template.split('/');
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const fits = parts.every((part, index) => {
      const actual = segments[index] ?? '';
      if (part.startsWith('{')) {
        params[part.slice(1, -1)] = decodeURIComponent(actual);
        return actual !== '';
      }
      literals += 1;
      return part === actual;
    });
    if (fits && (!best || literals > best.literals)) best = { route, params, literals };
  }
  return best;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}


/**
 * Starts an in-process fake of the DigitalOcean API on loopback. With the spec available, every
 * request it receives and every response it sends is checked against DigitalOcean's OpenAPI spec;
 * a non-conforming request gets a 400 and, like a non-conforming response, is kept in `violations`.
 */
export async function startFakeDigitalOcean(options: FakeDigitalOceanOptions = {}): Promise<FakeDigitalOcean> {
  const token = options.token ?? DEFAULT_FAKE_TOKEN;
  const activeAfterMs = options.activeAfterMs ?? 30;
  const rateLimit = options.rateLimit ?? 5000;
  const conformance = loadConformance({ specPath: options.specPath });
  const validator = conformance.validator;
  const state = createFakeState();
  if (options.dropletLimit !== undefined) state.account.droplet_limit = options.dropletLimit;
  Object.assign(state.sizePrices, options.sizePrices);
  const faults = new FaultInjector();
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const windowMs = (options.rateLimitWindowSeconds ?? 3600) * 1000;
  let windowStart = Date.now();
  let remaining = rateLimit;
  /** Counts a request against the limit; false when the limit is used up (the window resets on its own). */
  const spendRateLimit = (): boolean => {
    if (Date.now() >= windowStart + windowMs) {
      windowStart = Date.now();
      remaining = rateLimit;
    }
    if (remaining <= 0) return false;
    remaining -= 1;
    return true;
  };
  let baseUrl = '';

  const becomeActiveLater = (apply: () => void, name: string): void => {
    if (faults.stuckDroplets.has(name)) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      apply();
    }, activeAfterMs);
    timers.add(timer);
  };

  const send = (response: ServerResponse, record: RecordedRequest, match: OperationMatch | undefined, result: RouteResult, extraHeaders: Record<string, string> = {}): void => {
    const body = result.status >= 400 && result.body ? { ...(result.body as object), request_id: uuid() } : result.body;
    if (validator && match) {
      const errors = validator.validateResponse(match, result.status, body);
      if (errors.length) violations.push({ kind: 'response', method: record.method, path: record.path, operationId: match.operationId, status: result.status, errors });
    }
    record.status = result.status;
    const resetAt = Math.ceil((windowStart + windowMs) / 1000);
    response.writeHead(result.status, {
      'content-type': 'application/json; charset=utf-8',
      'ratelimit-limit': String(rateLimit),
      'ratelimit-remaining': String(Math.max(remaining, 0)),
      'ratelimit-reset': String(resetAt),
      ...extraHeaders,
    });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const sendFault = (response: ServerResponse, record: RecordedRequest, match: OperationMatch | undefined, fault: FaultRule & { status: number }): void => {
    const defaults = defaultErrorFor(fault.status);
    const headers: Record<string, string> = {};
    if (fault.status === 429) {
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      headers['ratelimit-remaining'] = '0';
      headers['ratelimit-reset'] = String(Math.ceil(Date.now() / 1000 + (fault.retryAfter ?? fault.resetAfter ?? 1)));
    }
    send(response, record, match, { status: fault.status, body: { id: fault.id ?? defaults.id, message: fault.message ?? defaults.message } }, headers);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', baseUrl);
    const method = (request.method ?? 'GET').toUpperCase();
    const text = await readBody(request);
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      handleControl(method, url.pathname.slice(CONTROL_PREFIX.length), text, response);
      return;
    }
    const record: RecordedRequest = { method, path: url.pathname, query: url.search, body: undefined, operationId: undefined, status: 0, authorized: request.headers.authorization === `Bearer ${token}`, at: Date.now() };
    requests.push(record);

    let body: unknown;
    if (text.length > 0) {
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        const problem = `a request body needs Content-Type: application/json (got ${request.headers['content-type'] ?? 'none'})`;
        violations.push({ kind: 'request', method, path: url.pathname, operationId: undefined, errors: [problem] });
        send(response, record, undefined, { status: 400, body: { id: 'bad_request', message: problem } });
        return;
      }
      try {
        body = JSON.parse(text);
        record.body = body;
      } catch {
        violations.push({ kind: 'request', method, path: url.pathname, operationId: undefined, errors: ['request body is not JSON'] });
        send(response, record, undefined, { status: 400, body: { id: 'bad_request', message: 'request body is not JSON' } });
        return;
      }
    }

    const match = validator?.findOperation(method, url.pathname);
    const found = findRoute(method, url.pathname);
    record.operationId = match?.operationId ?? found?.route.operationId;
    // A request without the valid token never uses up an armed fault: it just gets its 401.
    const fault = record.authorized ? faults.take(method, url.pathname, match?.template ?? found?.route.template) : undefined;
    const latency = faults.baseLatencyMs + (fault?.latencyMs ?? 0);
    if (latency > 0) await sleep(latency);
    if (fault?.hang && !fault.afterEffect) return; // the socket stays open until the client aborts or the fake stops

    if (validator) {
      const errors = match ? validator.validateRequest(match, { query: url.searchParams, body }) : [`${method} ${url.pathname} is not an operation of the DigitalOcean API spec`];
      if (errors.length) {
        violations.push({ kind: 'request', method, path: url.pathname, operationId: match?.operationId, errors });
        send(response, record, undefined, { status: 400, body: { id: 'bad_request', message: `swarm-wiz fake DigitalOcean API: the request does not conform to the OpenAPI spec: ${errors.join('; ')}` } });
        return;
      }
      if (!found || found.route.operationId !== match!.operationId) {
        violations.push({ kind: 'request', method, path: url.pathname, operationId: match!.operationId, errors: [`the fake does not implement ${match!.operationId}`] });
        send(response, record, undefined, { status: 501, body: { id: 'not_implemented', message: `swarm-wiz fake DigitalOcean API does not implement ${match!.operationId}` } });
        return;
      }
    }

    if (!record.authorized || fault?.status === 401) {
      send(response, record, match, { status: 401, body: { id: 'Unauthorized', message: fault?.message ?? 'Unable to authenticate you' } });
      return;
    }
    if (!spendRateLimit()) {
      send(response, record, match, { status: 429, body: { id: 'too_many_requests', message: 'API Rate limit exceeded.' } });
      return;
    }
    if (fault?.status && !fault.afterEffect) {
      sendFault(response, record, match, { ...fault, status: fault.status });
      return;
    }
    if (!found) {
      send(response, record, undefined, { status: 404, body: { id: 'not_found', message: 'The resource you were accessing could not be found.' } });
      return;
    }
    const result = found.route.handle({ params: found.params, query: url.searchParams, body, state, baseUrl, pathname: url.pathname, becomeActiveLater, ...(options.machines ? { machines: options.machines } : {}) });
    if (method !== 'GET' && options.afterChange) await options.afterChange(state);
    if (fault?.afterEffect) {
      if (fault.hang) return;
      if (fault.status) return sendFault(response, record, match, { ...fault, status: fault.status });
    }
    send(response, record, match, result);
  };

  /** Test-side control for a fake running in another process (`serve.ts`); not part of the API. */
  const handleControl = (method: string, what: string, text: string, response: ServerResponse): void => {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (method === 'GET' && what === 'state') return reply(200, { ...state, domainRecords: Object.fromEntries(state.domainRecords) });
    if (method === 'GET' && what === 'requests') return reply(200, requests);
    if (method === 'GET' && what === 'violations') return reply(200, violations);
    if (method === 'POST' && what === 'faults') {
      faults.next(JSON.parse(text) as FaultRule);
      return reply(200, faults.pending());
    }
    if (method === 'POST' && what === 'sizes') {
      Object.assign(state.sizePrices, JSON.parse(text) as Record<string, number>);
      return reply(200, state.sizePrices);
    }
    if (method === 'POST' && what === 'domains') {
      addDomain(state, (JSON.parse(text) as { name: string }).name);
      return reply(200, state.domains);
    }
    reply(404, { message: `unknown control ${method} ${CONTROL_PREFIX}${what}` });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      violations.push({ kind: 'response', method: request.method ?? '', path: request.url ?? '', operationId: undefined, errors: [`the fake crashed: ${String(error)}`] });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'server_error', message: 'fake crashed' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  for (const domain of options.domains ?? []) addDomain(state, domain);

  return {
    url: baseUrl,
    token,
    state,
    faults,
    requests,
    violations,
    conformance: { enabled: validator !== undefined, specPath: conformance.specPath, loadMs: conformance.loadMs },
    addDomain: (name) => addDomain(state, name),
    assertNoViolations: () => {
      if (violations.length === 0) return;
      const lines = violations.map((violation) => `${violation.kind} ${violation.method} ${violation.path}${violation.status ? ` → ${violation.status}` : ''} (${violation.operationId ?? 'no operation'}):\n    ${violation.errors.join('\n    ')}`);
      throw new Error(`the fake DigitalOcean API saw ${violations.length} spec violation(s):\n  ${lines.join('\n  ')}`);
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
