import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import acme from 'acme-client';
import type { Authorization, Order } from 'acme-client';
import type { ChallengePreflight, ChallengeResponder, PresentedChallenge } from './challenge-responder.js';
import { CaUnreachableError, CertificateError, IssuanceError } from './errors.js';
import { acmeCall } from './transport.js';

/** One certificate to ask for: the site's domain (common name) plus its aliases, all as SANs. */
export interface CertificateOrder {
  domain: string;
  altNames: string[];
}

export interface IssuedCertificate {
  keyPem: string;
  /** Leaf first, then the intermediates, as the CA sent them. */
  fullchainPem: string;
}

/** What the issuer is doing, for progress screens and logs. Never carries a key. */
export type IssueEvent =
  | { kind: 'account'; directoryUrl: string }
  | { kind: 'order'; domain: string; names: string[] }
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

  private call<T>(fn: () => Promise<T>, identifier?: string): Promise<T> {
    return acmeCall(this.options.directoryUrl, this.options.agent, fn, identifier);
  }

  /** The CA answers its directory, or a CaUnreachableError saying why not (refused, DNS, TLS). */
  async checkReachable(): Promise<void> {
    const url = this.options.directoryUrl;
    await new Promise<void>((resolve, reject) => {
      const isHttps = url.startsWith('https:');
      const send = isHttps ? httpsRequest : httpRequest;
      const req = send(url, { method: 'GET', timeout: 15_000, ...(isHttps && this.options.agent ? { agent: this.options.agent } : {}) }, (res) => {
        res.resume();
        if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) resolve();
        else reject(new CaUnreachableError(url, `the directory answered HTTP ${res.statusCode}`));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 15 s'), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => reject(new CaUnreachableError(url, error.code ? `${error.code}: ${error.message}` : error.message, error)));
      req.end();
    });
  }

  private ensureAccount(): Promise<void> {
    this.account ??= (async () => {
      await this.checkReachable();
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
    this.options.onEvent?.({ kind: 'order', domain: order.domain, names });
    let acmeOrder: Order = await this.call(() => this.client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) }));
    const authorizations = await this.call(() => this.client.getAuthorizations(acmeOrder));
    await this.authorize(order.domain, authorizations);

    const [keyBuffer, csr] = await acme.crypto.createCsr({ commonName: order.domain, altNames: names }, await acme.crypto.createPrivateEcdsaKey('P-256'));
    acmeOrder = await this.call(() => this.client.finalizeOrder(acmeOrder, csr));
    const fullchainPem = await this.call(() => this.client.getCertificate(acmeOrder));
    this.options.onEvent?.({ kind: 'issued', domain: order.domain });
    return { keyPem: keyBuffer.toString(), fullchainPem };
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
