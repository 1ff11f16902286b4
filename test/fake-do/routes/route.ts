import type { FakeMachines, FakeState } from '../state.js';

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (already checked against the spec when conformance is on). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  state: FakeState;
  /** `http://127.0.0.1:PORT`, for pagination links. */
  baseUrl: string;
  pathname: string;
  /** Starts the droplet's / load balancer's way to `active` (after the configured delay). */
  becomeActiveLater: (apply: () => void, name: string) => void;
  /** Real machines behind the droplets (the sandbox's namespaces); without them, addresses are made up. */
  machines?: FakeMachines;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The spec's path template. */
  template: string;
  /** The spec's operationId: checked against the spec's own when conformance is on. */
  operationId: string;
  handle: (context: RouteContext) => RouteResult;
}

export function apiError(status: number, id: string, message: string): RouteResult {
  return { status, body: { id, message } };
}

export function notFound(): RouteResult {
  return apiError(404, 'not_found', 'The resource you were accessing could not be found.');
}

export function unprocessable(message: string): RouteResult {
  return apiError(422, 'unprocessable_entity', message);
}

/** One page of `items` in the API's list shape: `{[key]: [...], links: {pages}, meta: {total}}`. */
export function paginate(context: RouteContext, key: string, items: unknown[]): RouteResult {
  const perPage = Math.min(Number(context.query.get('per_page') ?? 20), 200);
  const page = Number(context.query.get('page') ?? 1);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const link = (target: number): string => {
    const query = new URLSearchParams(context.query);
    query.set('page', String(target));
    query.set('per_page', String(perPage));
    return `${context.baseUrl}${context.pathname}?${query.toString()}`;
  };
  const pages: Record<string, string> = {};
  if (page > 1) Object.assign(pages, { first: link(1), prev: link(Math.min(page - 1, lastPage)) });
  if (page < lastPage) Object.assign(pages, { next: link(page + 1), last: link(lastPage) });
  return {
    status: 200,
    body: {
      [key]: items.slice((page - 1) * perPage, page * perPage),
      links: Object.keys(pages).length ? { pages } : {},
      meta: { total: items.length },
    },
  };
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function uuid(): string {
  return crypto.randomUUID();
}
