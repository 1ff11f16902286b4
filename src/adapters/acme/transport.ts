import { AsyncLocalStorage } from 'node:async_hooks';
import type { Agent } from 'node:https';
import acme from 'acme-client';
import { AcmeProblemError, CaUnreachableError, CertificateError, ChallengeInvalidError, IssuanceError, RateLimitedError } from './errors.js';

/** The last problem the CA answered during one acme-client call. */
interface SeenProblem {
  type: string;
  status: number;
  detail: string;
  retryAfter?: Date;
}

interface SeenInvalid {
  identifier: string;
  challengeType: string;
  type?: string;
  detail: string;
}

/** Per-call context: which https agent to use, and what the CA said (acme-client keeps only the detail text). */
export interface TransportContext {
  agent?: Agent;
  /** The last URL asked: what a lost connection was lost to. */
  lastUrl?: string;
  problem?: SeenProblem;
  invalid?: SeenInvalid;
}

const context = new AsyncLocalStorage<TransportContext>();
let installed = false;

/** `Retry-After` as seconds or an HTTP date → the moment to retry. */
export function retryAfterFrom(header: unknown, now = Date.now()): Date | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return new Date(now + seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : new Date(date);
}

interface ProblemBody {
  type?: unknown;
  detail?: unknown;
  status?: unknown;
  identifier?: { value?: string };
  challenges?: { type?: string; status?: string; error?: { type?: string; detail?: string } }[];
  error?: { type?: string; detail?: string };
}

/**
 * Hooks acme-client's axios instance once: no automatic retries (its default sleeps through a
 * 429's Retry-After, which may be hours, and retries a refused connection for 75 s), the https
 * agent of the current call, and a record of problem documents so errors keep their type.
 */
function install(): void {
  if (installed) return;
  installed = true;
  const settings = (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings;
  settings.retryMaxAttempts = 0;
  acme.axios.interceptors.request.use((config) => {
    const store = context.getStore();
    if (store?.agent) config.httpsAgent = store.agent;
    if (store && config.url) store.lastUrl = config.url;
    config.timeout = config.timeout || 30_000;
    return config;
  });
  acme.axios.interceptors.response.use((response) => {
    const store = context.getStore();
    const body = response.data as ProblemBody | undefined;
    if (!store || !body || typeof body !== 'object') return response;
    if (response.status >= 400 && typeof body.type === 'string' && body.type !== 'urn:ietf:params:acme:error:badNonce') {
      store.problem = {
        type: body.type,
        status: response.status,
        detail: typeof body.detail === 'string' ? body.detail : JSON.stringify(body),
        retryAfter: retryAfterFrom(response.headers['retry-after']),
      };
    } else if (response.status === 200 && (body as { status?: string }).status === 'invalid') {
      const own = body as { type?: unknown; error?: { type?: string; detail?: string } };
      const failed = body.challenges?.find((challenge) => challenge.error) ?? (own.error ? { type: typeof own.type === 'string' ? own.type : undefined, error: own.error } : undefined);
      if (failed?.error) {
        store.invalid = {
          identifier: body.identifier?.value ?? '',
          challengeType: failed.type ?? '',
          type: failed.error.type,
          detail: failed.error.detail ?? 'invalid',
        };
      }
    }
    return response;
  });
}

function connectionReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== 'ERR_BAD_REQUEST' && code !== 'ERR_BAD_RESPONSE') {
    const message = (error as Error).message;
    return message && !message.includes(code) ? `${code}: ${message}` : message || code;
  }
  return undefined;
}

/**
 * Runs one acme-client call and turns whatever it throws into a typed CertificateError:
 * a problem document → AcmeProblemError/RateLimitedError, an invalid challenge →
 * ChallengeInvalidError, a lost connection (acme-client's TypeError) → CaUnreachableError.
 */
export async function acmeCall<T>(caUrl: string, agent: Agent | undefined, call: () => Promise<T>, identifier?: string): Promise<T> {
  install();
  const store: TransportContext = { agent };
  try {
    return await context.run(store, call);
  } catch (error) {
    throw toCertificateError(error, store, caUrl, identifier);
  }
}

export function toCertificateError(error: unknown, store: TransportContext, caUrl: string, identifier?: string): CertificateError {
  if (error instanceof CertificateError) return error;
  if (store.problem) {
    const { problem } = store;
    if (problem.status === 429 || problem.type === 'urn:ietf:params:acme:error:rateLimited') return new RateLimitedError(problem);
    return new AcmeProblemError(problem);
  }
  if (store.invalid) {
    return new ChallengeInvalidError(store.invalid.identifier || identifier || '(unknown name)', store.invalid.challengeType, store.invalid.detail, store.invalid.type);
  }
  const reason = connectionReason(error);
  if (reason) return new CaUnreachableError(caUrl, reason, error);
  // acme-client's retry interceptor dereferences the missing response of a failed connection.
  if (error instanceof TypeError) return new CaUnreachableError(caUrl, `no response from ${store.lastUrl ?? caUrl}: the connection failed`, error);
  const message = error instanceof Error ? error.message : String(error);
  if (/directory returned error/.test(message)) return new CaUnreachableError(caUrl, message, error);
  return new IssuanceError(`ACME request failed: ${message}`, error);
}
