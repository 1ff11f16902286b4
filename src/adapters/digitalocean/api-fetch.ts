import { hideUrlCredentials, remoteLine } from '../../text/remote-text.js';
import { DigitalOceanError, kindForStatus, type DigitalOceanRequest } from './digitalocean-error.js';
import { RequestAbandoned, type StopRequests } from './stop.js';

/**
 * The fetch dots (through Kiota's HttpClient) sends every request with. It adds a timeout and turns
 * every non-2xx answer and transport failure into a DigitalOceanError right here, where the status,
 * the `Retry-After`/`ratelimit-reset` headers and the API's `{id, message, request_id}` body are all
 * at hand — Kiota's own error objects lose the body of non-JSON answers. Kiota passes the rejection
 * through unchanged.
 */
export function createApiFetch(options: { timeoutMs: number; token: string; stop?: StopRequests; cut?: AbortSignal }) {
  const { cut } = options;
  return async (url: string, init: RequestInit): Promise<Response> => {
    const parsed = new URL(url);
    const request: DigitalOceanRequest = { method: (init.method ?? 'GET').toUpperCase(), path: `${parsed.pathname}${parsed.search}` };
    // A stopped run sends nothing more once the grace is over; what is in flight then is abandoned.
    if (cut?.aborted) throw new RequestAbandoned(request, false);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = AbortSignal.any([...(init.signal ? [init.signal] : []), timeout, ...(cut ? [cut] : [])]);
    const abandoned = (): RequestAbandoned => {
      options.stop?.onAbandoned?.(request);
      return new RequestAbandoned(request, true);
    };
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal });
    } catch (error) {
      if (cut?.aborted) throw abandoned();
      if (timeout.aborted) throw new DigitalOceanError('timeout', request, undefined, `no answer within ${options.timeoutMs} ms`);
      throw new DigitalOceanError('unreachable', request, undefined, remoteLine(hideUrlCredentials(redact(describeNetworkError(error), options.token))));
    }
    if (response.ok) return response;
    let text = '';
    try {
      text = await response.text();
    } catch {
      if (cut?.aborted) throw abandoned();
      if (timeout.aborted) throw new DigitalOceanError('timeout', request, undefined, `no complete answer within ${options.timeoutMs} ms`);
    }
    const body = parseErrorBody(text);
    throw new DigitalOceanError(kindForStatus(response.status), request, response.status, remoteLine(redact(body.message ?? (text.slice(0, 200) || response.statusText), options.token)), {
      requestId: body.requestId,
      retryAfterMs: retryAfterMs(response.headers),
    });
  };
}

function parseErrorBody(text: string): { message?: string; requestId?: string } {
  try {
    const json = JSON.parse(text) as { message?: unknown; request_id?: unknown };
    return {
      message: typeof json.message === 'string' ? json.message : undefined,
      requestId: typeof json.request_id === 'string' ? json.request_id : undefined,
    };
  } catch {
    return {};
  }
}

/** How long the API asks us to wait: `Retry-After` (seconds or HTTP date), else until `ratelimit-reset` (epoch seconds) when the limit is used up. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const remaining = headers.get('ratelimit-remaining');
  const reset = headers.get('ratelimit-reset');
  if (reset !== null && remaining !== null && Number(remaining) <= 0 && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  return undefined;
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function redact(text: string, token: string): string {
  return token ? text.split(token).join('[token]') : text;
}
