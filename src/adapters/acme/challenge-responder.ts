/** One challenge the CA will check: for http-01 the token file, for dns-01 the TXT value. */
export interface PresentedChallenge {
  /** The name being validated (without a wildcard's `*.`). */
  identifier: string;
  token: string;
  /** http-01: the file's content. dns-01: the TXT record's value (already digested by acme-client). */
  keyAuthorization: string;
}

/**
 * Puts a challenge answer where the CA will look and takes it away again. The seam between the
 * issuance engine and the world: a local webroot (the support server running `swarm-wiz renew`
 * itself), over SSH into the support droplet's webroot (later), or DigitalOcean DNS.
 */
export interface ChallengeResponder {
  readonly type: 'http-01' | 'dns-01';
  present(challenge: PresentedChallenge): Promise<void>;
  remove(challenge: PresentedChallenge): Promise<void>;
}

/**
 * Checks, before the CA is asked, that the CA would see the answer. Throws PreflightError when it
 * would not: a failed validation counts against the CA's failed-validation rate limit.
 */
export interface ChallengePreflight {
  check(challenge: PresentedChallenge): Promise<void>;
}

/** `_acme-challenge.<name>`, the record dns-01 asks for (a wildcard's `*.` removed). */
export function dnsChallengeName(identifier: string): string {
  return `_acme-challenge.${identifier.replace(/^\*\./, '')}`;
}

/** The path the CA fetches for http-01. */
export function httpChallengePath(token: string): string {
  return `/.well-known/acme-challenge/${token}`;
}
