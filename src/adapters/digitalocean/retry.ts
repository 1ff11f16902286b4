import { DigitalOceanError } from './digitalocean-error.js';
import { RequestAbandoned } from './stop.js';

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  maxAttempts: number;
  /** First backoff after a 5xx / timeout; doubles each time, with jitter (default 1000 ms). */
  baseDelayMs: number;
  /** Longest backoff between attempts (default 30 s). */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited out: the call fails as rate-limited (default 120 s). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

export interface RetryEvent {
  /** e.g. `POST /v2/droplets`. */
  request: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: DigitalOceanError;
}

/**
 * How a call may be repeated after a failure that might have taken effect (5xx, timeout, connection
 * lost): `idempotent` calls (GET, PUT, DELETE) are simply repeated; a create first asks `recover`
 * whether the first attempt created the thing after all, and is repeated only if it did not.
 * A 429 means the API did nothing, so any call is repeated after the wait the API asks for.
 */
export type RetrySafety<T> = { idempotent: true } | { recover: () => Promise<T | undefined> };

/** Waits `ms`, or until `cut` fires. */
const sleep = (ms: number, cut?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      cut?.removeEventListener('abort', done);
      resolve();
    }
    cut?.addEventListener('abort', done, { once: true });
  });

export async function withRetries<T>(
  attempt: () => Promise<T>,
  safety: RetrySafety<T>,
  options: RetryOptions,
  onRetry: ((event: RetryEvent) => void) | undefined,
  /** A stopped run's cut (see stop.ts): a wait between attempts ends at once, and nothing more is sent. */
  cut?: AbortSignal,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof DigitalOceanError)) throw error;
      const maybeTookEffect = error.kind === 'server' || error.kind === 'timeout' || error.kind === 'unreachable';
      const retryable = error.kind === 'rate-limited' || maybeTookEffect;
      if (!retryable) throw attemptNumber > 1 ? error.withAttempts(attemptNumber) : error;
      if (error.kind === 'rate-limited' && (error.details.retryAfterMs ?? 0) > options.maxRetryAfterMs) throw error;
      if (attemptNumber >= options.maxAttempts) throw error.withAttempts(attemptNumber);
      const delayMs = error.kind === 'rate-limited' && error.details.retryAfterMs !== undefined ? error.details.retryAfterMs : backoff(attemptNumber, options);
      onRetry?.({ request: `${error.request.method} ${error.request.path}`, attempt: attemptNumber, delayMs, error });
      await sleep(delayMs, cut);
      if (cut?.aborted) throw new RequestAbandoned(error.request, false);
      if (maybeTookEffect && 'recover' in safety) {
        const recovered = await withRetries(safety.recover, { idempotent: true }, options, onRetry, cut);
        if (recovered !== undefined) return recovered;
      }
    }
  }
}

function backoff(attemptNumber: number, options: RetryOptions): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attemptNumber - 1));
  return Math.round(exponential / 2 + Math.random() * (exponential / 2));
}
