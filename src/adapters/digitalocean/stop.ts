import type { DigitalOceanRequest } from './digitalocean-error.js';

/**
 * A request given up because the run was stopped (Ctrl-C, SIGTERM): `sent` when it had gone out and
 * was not answered within the grace, so it may have taken effect (the next apply finds what it made by
 * tag or name); otherwise it was never sent.
 */
export class RequestAbandoned extends Error {
  constructor(
    readonly request: DigitalOceanRequest,
    readonly sent: boolean,
  ) {
    super(`${request.method} ${request.path} ${sent ? 'was not answered before the run stopped' : 'was not sent: the run was stopped'}`);
    this.name = 'RequestAbandoned';
  }
}

/** How a client stops: once `signal` fires, requests in flight get `graceMs` to be answered, then are abandoned. */
export interface StopRequests {
  signal: AbortSignal;
  /** Default 1000 ms: a stopped run exits well within 2 s even while the API hangs. */
  graceMs?: number;
  /** Called for each request abandoned unanswered (it may have taken effect). */
  onAbandoned?: (request: DigitalOceanRequest) => void;
}

export const DEFAULT_STOP_GRACE_MS = 1000;

/** A signal that fires `graceMs` after `stop.signal` (the timer never keeps the process alive by itself). */
export function afterGrace(stop: StopRequests): AbortSignal {
  const cut = new AbortController();
  const start = () => setTimeout(() => cut.abort(), stop.graceMs ?? DEFAULT_STOP_GRACE_MS).unref();
  if (stop.signal.aborted) start();
  else stop.signal.addEventListener('abort', start, { once: true });
  return cut.signal;
}
