/** Faults a test can inject into the fake DigitalOcean API, per request. */

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** A concrete path (`/v2/droplets/7`), a spec template (`/v2/droplets/{droplet_id}`) or a RegExp; any when absent. */
  path?: string | RegExp;
  /** Answer with this status and the API's error body (`{id, message, request_id}`). */
  status?: number;
  /** Error id and message of the body (defaults follow what the real API sends for the status). */
  id?: string;
  message?: string;
  /** With 429: seconds in `Retry-After` (no header when absent); `ratelimit-reset` is set to now + this. */
  retryAfter?: number;
  /** With 429 and no `retryAfter`: `ratelimit-reset` is now + this many seconds (default 1). */
  resetAfter?: number;
  /** Never answer (the connection stays open until the client gives up or the fake stops). */
  hang?: boolean;
  /** Delay before the request is handled (the real handler then runs unless status/hang is set). */
  latencyMs?: number;
  /** Run the real handler first (the request takes effect), then answer with the fault / hang: a lost answer. */
  afterEffect?: boolean;
  /** How many matching requests this rule applies to (default 1). */
  times?: number;
}

interface ArmedFault extends FaultRule {
  remaining: number;
}

const DEFAULT_ERRORS: Record<number, { id: string; message: string }> = {
  401: { id: 'Unauthorized', message: 'Unable to authenticate you' },
  403: { id: 'Forbidden', message: 'You do not have access for the attempted action.' },
  404: { id: 'not_found', message: 'The resource you were accessing could not be found.' },
  422: { id: 'unprocessable_entity', message: 'The request was well-formed but was unable to be followed due to semantic errors.' },
  429: { id: 'too_many_requests', message: 'API Rate limit exceeded.' },
  500: { id: 'server_error', message: 'Unexpected server-side error' },
  503: { id: 'service_unavailable', message: 'The service is temporarily unavailable.' },
};

export function defaultErrorFor(status: number): { id: string; message: string } {
  return DEFAULT_ERRORS[status] ?? { id: 'error', message: `HTTP ${status}` };
}

export class FaultInjector {
  private armed: ArmedFault[] = [];
  private latency = 0;
  /** Names (or a predicate) of droplets that stay `new` for ever. */
  readonly stuckDroplets = new Set<string>();

  /** Arms a fault for the next `times` matching requests (queued after earlier ones). */
  next(rule: FaultRule): void {
    this.armed.push({ ...rule, remaining: rule.times ?? 1 });
  }

  /** Latency added to every request from now on. */
  latencyForAll(ms: number): void {
    this.latency = ms;
  }

  /** The droplet with this name never becomes active. */
  dropletNeverActive(name: string): void {
    this.stuckDroplets.add(name);
  }

  clear(): void {
    this.armed = [];
    this.latency = 0;
    this.stuckDroplets.clear();
  }

  /** Faults still armed (a test can assert they were all consumed). */
  pending(): FaultRule[] {
    return this.armed.map(({ remaining, ...rule }) => ({ ...rule, times: remaining }));
  }

  get baseLatencyMs(): number {
    return this.latency;
  }

  /** Takes the first armed fault matching this request, consuming one use of it. */
  take(method: string, pathname: string, template: string | undefined): FaultRule | undefined {
    const index = this.armed.findIndex((fault) => matches(fault, method, pathname, template));
    if (index < 0) return undefined;
    const fault = this.armed[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.armed.splice(index, 1);
    return fault;
  }
}

function matches(fault: FaultRule, method: string, pathname: string, template: string | undefined): boolean {
  if (fault.method && fault.method.toUpperCase() !== method.toUpperCase()) return false;
  if (fault.path === undefined) return true;
  if (fault.path instanceof RegExp) return fault.path.test(pathname);
  return fault.path === pathname || fault.path === template;
}
