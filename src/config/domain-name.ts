import { domainToASCII } from 'node:url';
import { showValue } from './show-value.js';

/** The longest domain name DNS allows (RFC 1035, written without the trailing dot). */
const MAX_NAME_LENGTH = 253;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export type DomainCheck = { ok: true; ascii: string } | { ok: false; reason: string };

/**
 * Normalises a host name the way a certificate and nginx need it: lower case, IDN to punycode,
 * and at most one leading `*.` label. Anything that could break out of nginx or YAML syntax
 * (spaces, `;`, quotes, braces, newlines) fails the label check.
 */
export function checkDomainName(input: string, allowWildcard: boolean): DomainCheck {
  const raw = input.trim().toLowerCase().replace(/\.$/, '');
  if (raw.length === 0) return { ok: false, reason: 'is empty; expected a domain name like a.com' };
  const wildcard = raw.startsWith('*.');
  if (wildcard && !allowWildcard) {
    return { ok: false, reason: `${showValue(input)} is a wildcard; wildcards need certificates.challenge: dns-01` };
  }
  const rest = wildcard ? raw.slice(2) : raw;
  if (/[^\p{L}\p{N}.-]/u.test(rest)) {
    return { ok: false, reason: `${showValue(input)} is not a domain name (only letters, digits, '-' and '.' are allowed)` };
  }
  const ascii = domainToASCII(rest);
  if (ascii === '') return { ok: false, reason: `${showValue(input)} is not a valid domain name` };
  const labels = ascii.split('.');
  if (labels.length < 2) {
    return { ok: false, reason: `${showValue(input)} is not a fully qualified domain name (expected something like a.com)` };
  }
  if (!labels.every((label) => LABEL.test(label))) {
    return { ok: false, reason: `${showValue(input)} has an invalid label (1–63 of a-z, 0-9, '-', not starting or ending with '-')` };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) {
    return { ok: false, reason: `${showValue(input)} looks like an IP address; certificates here are for domain names` };
  }
  // The whole name counts, `*.` included: that is what goes into the certificate and DNS.
  const length = (wildcard ? 2 : 0) + ascii.length;
  if (length > MAX_NAME_LENGTH) return { ok: false, reason: `${showValue(input)} is ${length} characters long; a domain name has at most ${MAX_NAME_LENGTH}` };
  return { ok: true, ascii: wildcard ? `*.${ascii}` : ascii };
}

/** The longest account domain that `host` is, or is under; undefined when DigitalOcean does not serve it. */
export function zoneOf(host: string, zones: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const zone of zones) {
    const z = zone.toLowerCase().replace(/\.$/, '');
    if ((host === z || host.endsWith(`.${z}`)) && (!best || z.length > best.length)) best = z;
  }
  return best;
}

/** `www.a.com` in zone `a.com` → `www`; the apex → `@`. */
export function relativeName(host: string, zone: string): string {
  return host === zone ? '@' : host.slice(0, host.length - zone.length - 1);
}

/** The inverse of `relativeName`: `www` in zone `a.com` → `www.a.com`; `@` → the apex. */
export function hostOf(recordName: string, zone: string): string {
  return recordName === '@' ? zone : `${recordName}.${zone}`;
}
