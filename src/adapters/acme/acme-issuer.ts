import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import acme from 'acme-client';
import type { Authorization, Order } from 'acme-client';
import type { RenewalInfo } from './ari.js';
import type { ChallengePreflight, ChallengeResponder, PresentedChallenge } from './challenge-responder.js';
import { AcmeProblemError, CaUnreachableError, CertificateError, IssuanceError, RateLimitedError, UnknownProfileError } from './errors.js';
import { acmeCall, retryAfterFrom } from './transport.js';

/** One certificate to ask for: the site's domain (common name) plus its aliases, all as SANs. */
export interface CertificateOrder {
  domain: string;
  altNames: string[];
  /** RFC 9773: the ARI id of the certificate this one replaces (sent as `replaces`; dropped once if the CA refuses it). */
  replaces?: string;
}

/** The parts of an ACME directory swarm-wiz reads beyond acme-client's. */
export interface AcmeDirectory {
  renewalInfo?: string;
  meta?: { profiles?: Record<string, string> };
}

export interface IssuedCertificate {
  keyPem: string;
  /** Leaf first, then the intermediates, as the CA sent them. */
  fullchainPem: string;
}

/** What the issuer is doing, for progress screens and logs. Never carries a key. */
export type IssueEvent =
  | { kind: 'account'; directoryUrl: string }
  | { kind: 'order'; domain: string; names: string[]; replaces?: string; profile?: string }
  | { kind: 'replaces-refused'; domain: string; reason: string }
  | { kind: 'challenge-ready'; domain: string; identifier: string; type: string }
  | { kind: 'preflight-ok'; domain: string; identifier: string }
  | { kind: 'validated'; domain: string; identifier: string }
  | { kind: 'issued'; domain: string };

export interface AcmeIssuerOptions {
  directoryUrl: string;
  email: string;
  accountKeyPem: string;
  responder: ChallengeResponder;
  preflight: ChallengePreflight;
  /** `certificates.profile`: the ACME profile every order asks for (checked against the directory first). */
  profile?: string;
  /** Trust for the CA's own TLS listener (Pebble's test CA); default the system's. */
  agent?: Agent;
  /** How often to poll the CA for a challenge or order to become valid. */
  poll?: { minMs: number; maxMs: number; attempts: number };
  onEvent?: (event: IssueEvent) => void;
}

/**
 * The issuance engine over acme-client's low-level calls: one order per site, every
 * authorization of it in parallel, each challenge presented and checked by us (preflight)
 * before the CA is asked to validate, answers removed in `finally`.
 */
export class AcmeIssuer {
  private readonly client: acme.Client;
  private account: Promise<void> | undefined;
  private directory: Promise<AcmeDirectory> | undefined;

  constructor(private readonly options: AcmeIssuerOptions) {
    const poll = options.poll ?? { minMs: 1000, maxMs: 10_000, attempts: 12 };
    this.client = new acme.Client({
      directoryUrl: options.directoryUrl,
      accountKey: options.accountKeyPem,
      backoffAttempts: poll.attempts,
      backoffMin: poll.minMs,
      backoffMax: poll.maxMs,
    });
  }

  get directoryUrl(): string {
    return this.options.directoryUrl;
  }

  get profile(): string | undefined {
    return this.options.profile;
  }

  private call<T>(fn: () => Promise<T>, identifier?: string): Promise<T> {
    return acmeCall(this.options.directoryUrl, this.options.agent, fn, identifier);
  }

  /** The CA answers its directory, or a CaUnreachableError saying why not (refused, DNS, TLS). */
  async checkReachable(): Promise<void> {
    await this.readDirectory();
  }

  /** The CA's directory, read once per issuer (a failure is not kept). */
  readDirectory(): Promise<AcmeDirectory> {
    this.directory ??= this.get(this.options.directoryUrl)
      .then(({ status, body }) => {
        if (status < 200 || status >= 300) throw new CaUnreachableError(this.options.directoryUrl, `the directory answered HTTP ${status}`);
        try {
          return JSON.parse(body) as AcmeDirectory;
        } catch {
          throw new CaUnreachableError(this.options.directoryUrl, 'the directory is not JSON');
        }
      })
      .catch((error: unknown) => {
        this.directory = undefined;
        throw error;
      });
    return this.directory;
  }

  /** The profiles the CA offers (`meta.profiles`), name → description; empty when it offers none. */
  async profiles(): Promise<Record<string, string>> {
    return (await this.readDirectory()).meta?.profiles ?? {};
  }

  /** Throws an UnknownProfileError when `profile` is set and the CA does not offer it. Orders nothing. */
  async checkProfile(): Promise<void> {
    const { profile } = this.options;
    if (profile === undefined) return;
    const offered = Object.keys(await this.profiles());
    if (!offered.includes(profile)) throw new UnknownProfileError(profile, offered, this.options.directoryUrl);
  }

  /**
   * RFC 9773: the CA's suggested renewal window for a certificate, by its ARI id. Undefined when the
   * CA has no `renewalInfo`; throws on any failure (the caller falls back to the lifetime rule).
   */
  async renewalInfo(ariId: string): Promise<RenewalInfo | undefined> {
    const base = (await this.readDirectory()).renewalInfo;
    if (!base) return undefined;
    const { status, body, retryAfter } = await this.get(`${base.replace(/\/+$/, '')}/${ariId}`);
    if (status !== 200) throw new IssuanceError(`renewalInfo for ${ariId} answered HTTP ${status}`);
    const parsed = JSON.parse(body) as { suggestedWindow?: { start?: unknown; end?: unknown }; explanationURL?: unknown };
    const start = parsed.suggestedWindow?.start;
    const end = parsed.suggestedWindow?.end;
    if (typeof start !== 'string' || typeof end !== 'string' || Number.isNaN(Date.parse(start)) || !(Date.parse(start) < Date.parse(end))) {
      throw new IssuanceError(`renewalInfo for ${ariId} holds no valid suggestedWindow`);
    }
    return {
      window: { start, end },
      ...(typeof parsed.explanationURL === 'string' ? { explanationUrl: parsed.explanationURL } : {}),
      ...(retryAfter ? { retryAfter } : {}),
    };
  }

  /** One unauthenticated GET (directory, renewalInfo), with a User-Agent as RFC 8555 §6.1 asks. */
  private get(url: string): Promise<{ status: number; body: string; retryAfter?: Date }> {
    return new Promise((resolve, reject) => {
      const isHttps = url.startsWith('https:');
      const send = isHttps ? httpsRequest : httpRequest;
      const options = { method: 'GET', timeout: 15_000, headers: { 'user-agent': 'swarm-wiz' }, ...(isHttps && this.options.agent ? { agent: this.options.agent } : {}) };
      const req = send(url, options, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, retryAfter: retryAfterFrom(res.headers['retry-after']) }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 15 s'), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => reject(new CaUnreachableError(url, error.code ? `${error.code}: ${error.message}` : error.message, error)));
      req.end();
    });
  }

  private ensureAccount(): Promise<void> {
    this.account ??= (async () => {
      await this.checkReachable();
      await this.checkProfile();
      await this.call(() => this.client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${this.options.email}`] }));
      this.options.onEvent?.({ kind: 'account', directoryUrl: this.options.directoryUrl });
    })().catch((error: unknown) => {
      this.account = undefined;
      throw error;
    });
    return this.account;
  }

  async issue(order: CertificateOrder): Promise<IssuedCertificate> {
    await this.ensureAccount();
    const names = [order.domain, ...order.altNames.filter((name) => name !== order.domain)];
    const { profile } = this.options;
    this.options.onEvent?.({ kind: 'order', domain: order.domain, names, ...(order.replaces ? { replaces: order.replaces } : {}), ...(profile ? { profile } : {}) });
    let acmeOrder = await this.createOrder(order.domain, names, order.replaces);
    const authorizations = await this.call(() => this.client.getAuthorizations(acmeOrder));
    await this.authorize(order.domain, authorizations);

    const [keyBuffer, csr] = await acme.crypto.createCsr({ commonName: order.domain, altNames: names }, await acme.crypto.createPrivateEcdsaKey('P-256'));
    acmeOrder = await this.call(() => this.client.finalizeOrder(acmeOrder, csr));
    const fullchainPem = await this.call(() => this.client.getCertificate(acmeOrder));
    this.options.onEvent?.({ kind: 'issued', domain: order.domain });
    return { keyPem: keyBuffer.toString(), fullchainPem };
  }

  /**
   * newOrder with `profile` and `replaces` (acme-client posts the payload as given). A CA that
   * refuses `replaces` (the old certificate is another account's or CA's, or already replaced)
   * gets the order once more without it.
   */
  private async createOrder(domain: string, names: string[], replaces: string | undefined): Promise<Order> {
    const payload = { identifiers: names.map((value) => ({ type: 'dns', value })), ...(this.options.profile ? { profile: this.options.profile } : {}) };
    if (!replaces) return this.call(() => this.client.createOrder(payload));
    try {
      return await this.call(() => this.client.createOrder({ ...payload, replaces } as typeof payload));
    } catch (error) {
      if (!(error instanceof AcmeProblemError) || error instanceof RateLimitedError) throw error;
      this.options.onEvent?.({ kind: 'replaces-refused', domain, reason: error.message });
      return this.call(() => this.client.createOrder(payload));
    }
  }

  /** Presents and preflights every pending authorization's challenge, then lets the CA validate them, in parallel. */
  private async authorize(domain: string, authorizations: Authorization[]): Promise<void> {
    const type = this.options.responder.type;
    const pending = authorizations.filter((authz) => authz.status !== 'valid');
    const presented: PresentedChallenge[] = [];
    const challenges = new Map<PresentedChallenge, Authorization['challenges'][number]>();
    try {
      await settleAll(
        pending.map(async (authz) => {
          const identifier = authz.identifier.value;
          const challenge = authz.challenges.find((candidate) => candidate.type === type);
          if (!challenge) {
            throw new IssuanceError(`the CA offers no ${type} challenge for ${identifier} (offered: ${authz.challenges.map((c) => c.type).join(', ')})`);
          }
          const keyAuthorization = await this.call(() => this.client.getChallengeKeyAuthorization(challenge), identifier);
          const answer: PresentedChallenge = { identifier, token: 'token' in challenge ? String(challenge.token) : '', keyAuthorization };
          try {
            await this.options.responder.present(answer);
          } catch (error) {
            throw asIssuanceError(`could not put the ${type} answer for ${identifier} in place`, error);
          }
          presented.push(answer);
          challenges.set(answer, challenge);
          this.options.onEvent?.({ kind: 'challenge-ready', domain, identifier, type });
          await this.options.preflight.check(answer);
          this.options.onEvent?.({ kind: 'preflight-ok', domain, identifier });
        }),
      );
      // Only now, with every answer seen from outside, is the CA asked to look.
      await settleAll(
        presented.map(async (answer) => {
          const challenge = challenges.get(answer);
          if (!challenge) return;
          await this.call(async () => {
            await this.client.completeChallenge(challenge);
            await this.client.waitForValidStatus(challenge);
          }, answer.identifier);
          this.options.onEvent?.({ kind: 'validated', domain, identifier: answer.identifier });
        }),
      );
    } finally {
      await Promise.allSettled(presented.map((answer) => this.options.responder.remove(answer)));
    }
  }
}

function asIssuanceError(what: string, error: unknown): CertificateError {
  if (error instanceof CertificateError) return error;
  return new IssuanceError(`${what}: ${error instanceof Error ? error.message : String(error)}`, error);
}

/** Like Promise.all, but waits for every task before throwing the first failure (cleanup sees a quiet state). */
async function settleAll(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
