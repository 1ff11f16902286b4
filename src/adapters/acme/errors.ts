import { remoteLine } from '../../text/remote-text.js';

/**
 * Typed failures of certificate issuance. Every message is one line a person (or a cron mail)
 * can act on; callers switch on the class, never on the text.
 */
export abstract class CertificateError extends Error {
  /** When trying again makes sense, if the CA said so. */
  readonly retryAfter: Date | undefined;

  protected constructor(message: string, retryAfter?: Date, options?: { cause?: unknown }) {
    super(message, options);
    this.retryAfter = retryAfter;
  }
}

/** The ACME directory (or any later CA URL) could not be reached at all: DNS, refused, TLS, timeout. */
export class CaUnreachableError extends CertificateError {
  readonly url: string;
  constructor(url: string, reason: string, cause?: unknown) {
    super(`cannot reach the CA at ${url} (${reason})`, undefined, { cause });
    this.name = 'CaUnreachableError';
    this.url = url;
  }
}

/** The CA answered with an RFC 8555 problem document (`urn:ietf:params:acme:error:*`). */
export class AcmeProblemError extends CertificateError {
  readonly type: string;
  readonly status: number;
  readonly detail: string;
  constructor(problem: { type: string; status: number; detail: string; retryAfter?: Date }) {
    const short = problem.type.replace('urn:ietf:params:acme:error:', '');
    const retry = problem.retryAfter ? `; retry after ${problem.retryAfter.toISOString()}` : '';
    super(`the CA refused (${short}, HTTP ${problem.status}): ${oneLine(problem.detail)}${retry}`, problem.retryAfter);
    this.name = 'AcmeProblemError';
    this.type = problem.type;
    this.status = problem.status;
    this.detail = problem.detail;
  }
}

/** HTTP 429 or `rateLimited`: the CA will not accept more of this now. */
export class RateLimitedError extends AcmeProblemError {
  constructor(problem: { type: string; status: number; detail: string; retryAfter?: Date }) {
    super(problem);
    this.name = 'RateLimitedError';
  }
}

/** The CA tried to validate a challenge and it failed (this counts against the CA's failed-validation limit). */
export class ChallengeInvalidError extends CertificateError {
  readonly identifier: string;
  readonly challengeType: string;
  readonly problemType: string | undefined;
  constructor(identifier: string, challengeType: string, detail: string, problemType?: string) {
    const short = problemType ? ` (${problemType.replace('urn:ietf:params:acme:error:', '')})` : '';
    super(`the CA could not validate ${challengeType} for ${identifier}${short}: ${oneLine(detail)}`);
    this.name = 'ChallengeInvalidError';
    this.identifier = identifier;
    this.challengeType = challengeType;
    this.problemType = problemType;
  }
}

/**
 * Our own check of the challenge path failed, so the CA was never asked: a failed validation
 * would have counted against Let's Encrypt's limit (5 per hour per account and host name).
 */
export class PreflightError extends CertificateError {
  readonly identifier: string;
  readonly challengeType: string;
  constructor(identifier: string, challengeType: string, reason: string) {
    super(`${challengeType} for ${identifier} is not reachable, so the CA was not asked: ${oneLine(reason)}`);
    this.name = 'PreflightError';
    this.identifier = identifier;
    this.challengeType = challengeType;
  }
}

/**
 * A previous answer of the CA said to wait (rate limit), or our own failed-validation limit and
 * back-off (src/certs/backoff.ts, with its own message): the CA is not asked again before then.
 */
export class WaitingForCaError extends CertificateError {
  constructor(retryAfter: Date, lastError: string | undefined, message?: string) {
    super(message ?? `not asking the CA again before ${retryAfter.toISOString()}, as it asked${lastError ? ` (last error: ${oneLine(lastError)})` : ''}; --force asks anyway`, retryAfter);
    this.name = 'WaitingForCaError';
  }
}

/** Something swarm-wiz's side got wrong while issuing (responder, store, key handling). */
export class IssuanceError extends CertificateError {
  constructor(message: string, cause?: unknown) {
    super(oneLine(message), undefined, { cause });
    this.name = 'IssuanceError';
  }
}

/** `certificates.profile` names a profile the CA does not offer (checked before anything is ordered). */
export class UnknownProfileError extends CertificateError {
  readonly profile: string;
  readonly offered: string[];
  constructor(profile: string, offered: string[], directoryUrl: string) {
    const choice = offered.length > 0 ? `it offers ${offered.join(', ')}` : 'it offers no profiles; remove certificates.profile';
    super(`certificates.profile: the CA at ${directoryUrl} has no profile "${profile}" (${choice})`);
    this.name = 'UnknownProfileError';
    this.profile = profile;
    this.offered = offered;
  }
}

/** Text from the CA (a problem's detail, a reason) on one line, through remoteText. */
export function oneLine(text: string): string {
  return remoteLine(text);
}
