import { remoteLine } from '../text/remote-text.js';

/** One request to send (src/alerts builds them; this layer takes plain objects). */
export interface WebhookRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface SendOptions {
  /** Give up after this long, answer or not (default 10 s). */
  timeoutMs?: number;
  /** For tests: another fetch. */
  fetch?: typeof fetch;
  /** The URL as it may be shown (maskUrl): the only form of it a reason ever contains. */
  maskedUrl: string;
}

export type SendResult = { ok: true; status: number } | { ok: false; reason: string };

export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
/** How much of an answer's body is read (then the rest is dropped). */
const BODY_READ_MAX = 2048;

/**
 * Sends `request` once: a 2xx answer is delivered; anything else is `{ ok: false, reason }`, one line
 * that names the URL only as `maskedUrl` — a webhook URL is a secret, and Node's fetch errors can
 * contain it, so the reason is built from error codes and the status alone, and scrubbed of every form
 * of the real URL at the end. Redirects are not followed (a 3xx fails: the stored URL should be the
 * final one, and a redirect would carry the body, and its secret, elsewhere). Never throws.
 */
export async function sendHttp(request: WebhookRequest, options: SendOptions): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const fail = (why: string): SendResult => ({ ok: false, reason: `${remoteLine(options.maskedUrl, 200)}: ${scrub(why, request.url, options.maskedUrl)}` });
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return fail(failureWords(error, timeoutMs));
  }
  if (response.status >= 200 && response.status < 300) {
    response.body?.cancel().catch(() => undefined);
    return { ok: true, status: response.status };
  }
  const word = await shortAnswer(response);
  // What the server said is kept only when it is short, clean, and repeats nothing of the URL.
  const said = (text: string | undefined) => (text !== undefined && text !== '' && !repeatsUrl(text, request.url) ? text : undefined);
  const phrase = said(statusText(response));
  const status = `HTTP ${response.status}${phrase ? ` ${phrase}` : ''}`;
  if (response.status >= 300 && response.status < 400) return fail(`${status}, redirected (3xx); give the final URL`);
  const answer = said(word);
  return fail(`${status}${answer ? ` (${answer})` : ''}`);
}

/** The reason phrase, cleaned, printable ASCII and short (`Not Found`), or ''. */
function statusText(response: Response): string {
  return remoteLine(response.statusText, 40).replace(/[^\x20-\x7e]/g, '').trim();
}

/**
 * The first BODY_READ_MAX bytes of the answer, kept only when they are one short word like Slack's
 * `invalid_token` or `no_service`; the rest of the body is dropped unread. Never throws.
 */
async function shortAnswer(response: Response): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_READ_MAX) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    return undefined;
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const text = remoteLine(Buffer.concat(chunks).subarray(0, BODY_READ_MAX).toString('utf8'), 60);
  return /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/.test(text) ? text : undefined;
}

/** Codes of well-known failures, in words. */
const CODE_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed for now',
  ECONNRESET: 'connection closed by the other side',
  UND_ERR_SOCKET: 'connection closed by the other side',
  ETIMEDOUT: 'no connection within the time',
  UND_ERR_CONNECT_TIMEOUT: 'no connection within the time',
  UND_ERR_HEADERS_TIMEOUT: 'no answer within the time',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'its TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate does not cover the host',
};

/**
 * Why a fetch threw, from error codes and names only — never an error's message, which can quote the
 * URL: `timeout: no answer within 10 s`, `connection refused (ECONNREFUSED)`, `the request failed (EPROTO)`.
 */
function failureWords(error: unknown, timeoutMs: number): string {
  const chain: unknown[] = [];
  for (let link: unknown = error; link !== undefined && link !== null && chain.length < 6; ) {
    chain.push(link);
    const next: unknown = (link as { cause?: unknown }).cause;
    const inner: unknown = Array.isArray((link as { errors?: unknown }).errors) ? (link as { errors: unknown[] }).errors[0] : undefined;
    link = next ?? inner;
  }
  if (chain.some((link) => link instanceof DOMException && link.name === 'TimeoutError')) return `timeout: no answer within ${timeoutMs / 1000} s`;
  if (chain.some((link) => link instanceof DOMException && link.name === 'AbortError')) return 'aborted';
  const code = chain.map((link) => (link as { code?: unknown }).code).find((value): value is string => typeof value === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(value));
  if (code === undefined) return 'the request failed (no error code)';
  return `${CODE_WORDS[code] ?? 'the request failed'} (${code})`;
}

/**
 * Whether a text from the server repeats a piece of `url` (a path segment or query value of 4
 * characters or more, as written or decoded): such a text is left out, as it may be the token.
 */
function repeatsUrl(text: string, url: string): boolean {
  const lower = text.toLowerCase();
  let pieces: string[];
  try {
    const parsed = new URL(url);
    pieces = [...parsed.pathname.split('/'), ...parsed.searchParams.values()].flatMap((piece) => [piece, decodeOrSame(piece)]);
  } catch {
    pieces = [url];
  }
  return pieces.some((piece) => piece.length >= 4 && lower.includes(piece.toLowerCase()));
}

function decodeOrSame(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * `text` on one line, with every form of `url` in it (as given, normalized, host+path, path+query, the
 * path, the query) replaced by `masked`.
 */
export function scrub(text: string, url: string, masked: string): string {
  let clean = remoteLine(text, 500);
  const forms = new Set([url]);
  try {
    const parsed = new URL(url);
    const rest = `${parsed.pathname}${parsed.search}`;
    forms.add(parsed.href);
    forms.add(`${parsed.host}${rest}`);
    if (rest.length > 1) forms.add(rest);
    if (parsed.pathname.length > 1) forms.add(parsed.pathname);
    if (parsed.search.length > 1) forms.add(parsed.search);
  } catch {
    // not a URL: only its text as given is replaced
  }
  // Longest first; each found form becomes a NUL (remoteLine removed every real one), so a short
  // form is never searched for inside the masked URL that replaced a longer one.
  for (const form of [...forms].filter((form) => form.length > 1).sort((a, b) => b.length - a.length)) clean = clean.split(form).join('\u0000');
  return clean.split('\u0000').join(masked);
}
