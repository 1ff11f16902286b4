export type DigitalOceanErrorKind = 'unauthorized' | 'not-found' | 'invalid' | 'rate-limited' | 'server' | 'timeout' | 'unreachable';

export interface DigitalOceanRequest {
  method: string;
  /** Path and query, e.g. `/v2/droplets?tag_name=demo` (never headers, never the token). */
  path: string;
}

export const TOKEN_PAGE = 'https://cloud.digitalocean.com/account/api/tokens';

const HINTS: Record<DigitalOceanErrorKind, string> = {
  unauthorized: `the token was rejected: create a read/write token at ${TOKEN_PAGE} and set DIGITALOCEAN_TOKEN`,
  'not-found': 'the resource no longer exists at DigitalOcean: run `swarm-wiz plan` to see what the state file expects',
  invalid: 'DigitalOcean refused the request as given: check the value named in the message against swarm-wiz.yaml',
  'rate-limited': 'DigitalOcean is rate-limiting this token: wait a minute and run the command again (it resumes where it stopped)',
  server: 'DigitalOcean had an internal error: run the command again in a few minutes (it resumes where it stopped); see https://status.digitalocean.com',
  timeout: 'DigitalOcean did not answer in time: check your connection and run the command again (it resumes where it stopped)',
  unreachable: 'could not reach the DigitalOcean API: check your network, proxy and DIGITALOCEAN_API_URL',
};

/**
 * A failed DigitalOcean API call, classified. Carries the request (method and path only), the HTTP
 * status, the API's own message and a one-line "what to do". Never the token.
 */
export class DigitalOceanError extends Error {
  override readonly name = 'DigitalOceanError';
  readonly hint: string;

  constructor(
    readonly kind: DigitalOceanErrorKind,
    readonly request: DigitalOceanRequest,
    readonly status: number | undefined,
    readonly apiMessage: string | undefined,
    readonly details: { requestId?: string; retryAfterMs?: number; attempts?: number } = {},
  ) {
    const hint = kind === 'unauthorized' && status === 403 ? `the token lacks permission for this: create a token with read/write scope at ${TOKEN_PAGE} and set DIGITALOCEAN_TOKEN` : HINTS[kind];
    const what = status === undefined ? kind : `HTTP ${status}`;
    const tries = details.attempts && details.attempts > 1 ? ` after ${details.attempts} attempts` : '';
    const said = apiMessage ? `: ${apiMessage.trim().replace(/\.+$/, '')}` : '';
    super(`DigitalOcean ${request.method} ${request.path} failed (${what}${tries})${said}. What to do: ${hint}`);
    this.hint = hint;
  }

  /** Same error, noting how many attempts were made. */
  withAttempts(attempts: number): DigitalOceanError {
    return new DigitalOceanError(this.kind, this.request, this.status, this.apiMessage, { ...this.details, attempts });
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, status: this.status, request: this.request, apiMessage: this.apiMessage, hint: this.hint, message: this.message, ...this.details };
  }
}

export function kindForStatus(status: number): DigitalOceanErrorKind {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  return 'invalid';
}
