import { describe, expect, it } from 'vitest';
import { AcmeProblemError, CaUnreachableError, ChallengeInvalidError, IssuanceError, RateLimitedError } from '../../../src/adapters/acme/errors.js';
import { retryAfterFrom, toCertificateError } from '../../../src/adapters/acme/transport.js';

const CA = 'https://acme.example/dir';

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterFrom('120', now)?.toISOString()).toBe('2026-01-01T00:02:00.000Z');
    expect(retryAfterFrom('Thu, 01 Jan 2026 06:00:00 GMT', now)?.toISOString()).toBe('2026-01-01T06:00:00.000Z');
    expect(retryAfterFrom('soon', now)).toBeUndefined();
    expect(retryAfterFrom(undefined, now)).toBeUndefined();
  });
});

describe('toCertificateError', () => {
  it('a rateLimited problem without 429 is still a RateLimitedError', () => {
    const error = toCertificateError(new Error('x'), { problem: { type: 'urn:ietf:params:acme:error:rateLimited', status: 403, detail: 'slow down' } }, CA);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.message).toBe('the CA refused (rateLimited, HTTP 403): slow down');
  });

  it('other problems keep their type; multi-line details become one line', () => {
    const error = toCertificateError(new Error('x'), { problem: { type: 'urn:ietf:params:acme:error:caa', status: 403, detail: 'CAA record\nforbids issuance' } }, CA);
    expect(error).toBeInstanceOf(AcmeProblemError);
    expect(error).not.toBeInstanceOf(RateLimitedError);
    expect(error.message).toBe('the CA refused (caa, HTTP 403): CAA record forbids issuance');
  });

  it('an invalid challenge names the identifier passed in when the body has none', () => {
    const error = toCertificateError(new Error('x'), { invalid: { identifier: '', challengeType: 'dns-01', type: 'urn:ietf:params:acme:error:dns', detail: 'NXDOMAIN' } }, CA, 'a.com');
    expect(error).toBeInstanceOf(ChallengeInvalidError);
    expect(error.message).toBe('the CA could not validate dns-01 for a.com (dns): NXDOMAIN');
  });

  it("acme-client's TypeError for a lost connection, and a network error code, become CaUnreachableError", () => {
    expect(toCertificateError(new TypeError("Cannot read properties of undefined (reading 'config')"), { lastUrl: `${CA}/x` }, CA).message).toBe(
      `cannot reach the CA at ${CA} (no response from ${CA}/x: the connection failed)`,
    );
    const refused = Object.assign(new Error('getaddrinfo ENOTFOUND acme.example'), { code: 'ENOTFOUND' });
    const error = toCertificateError(refused, {}, CA);
    expect(error).toBeInstanceOf(CaUnreachableError);
    expect(error.message).toBe(`cannot reach the CA at ${CA} (getaddrinfo ENOTFOUND acme.example)`);
  });

  it('anything else is an IssuanceError that keeps the message', () => {
    const error = toCertificateError(new Error('Unexpected item status: weird'), {}, CA);
    expect(error).toBeInstanceOf(IssuanceError);
    expect(error.message).toBe('ACME request failed: Unexpected item status: weird');
  });
});
