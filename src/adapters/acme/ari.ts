import * as x509 from '@peculiar/x509';

/** The CA's suggested renewal window (RFC 9773 §4.2), as ISO strings. */
export interface RenewalWindow {
  start: string;
  end: string;
}

/** What a renewalInfo answer says, as the adapter read it. */
export interface RenewalInfo {
  window: RenewalWindow;
  explanationUrl?: string;
  /** The answer's Retry-After: do not ask again before it. */
  retryAfter?: Date;
}

/** The ARI schedule stored with a certificate's metadata, so repeated runs agree. Dates are ISO strings. */
export interface AriSchedule {
  window: RenewalWindow;
  /** The moment picked once at random inside `window`. */
  renewAt: string;
  /** Not before this moment is the CA asked again (its Retry-After). */
  nextCheckAt: string;
  explanationUrl?: string;
}

/** How long to wait before asking again when the CA sends no (or a silly) Retry-After. */
export const DEFAULT_ARI_RECHECK_MS = 6 * 3_600_000;
const MAX_ARI_RECHECK_MS = 7 * 86_400_000;

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Hex → bytes, padded to whole bytes. */
function hexBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  return Uint8Array.from(Buffer.from(clean.length % 2 ? `0${clean}` : clean, 'hex'));
}

/** A positive serial (hex) as the content octets of its DER INTEGER: minimal, with a 00 when the top bit is set. */
export function serialDerBytes(serialHex: string): Uint8Array {
  let bytes = hexBytes(serialHex);
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1]! & 0x80) === 0) bytes = bytes.subarray(1);
  if (bytes.length === 0) return Uint8Array.of(0);
  return (bytes[0]! & 0x80) !== 0 ? Uint8Array.of(0, ...bytes) : bytes;
}

/** RFC 9773 §4.1: base64url(AKI keyIdentifier) '.' base64url(serial's DER content octets), no padding. */
export function ariCertId(keyIdentifier: Uint8Array, serialDer: Uint8Array): string {
  return `${base64url(keyIdentifier)}.${base64url(serialDer)}`;
}

/** The ARI id of a leaf certificate (PEM), or undefined when it carries no Authority Key Identifier. */
export function ariCertIdOf(leafPem: string): string | undefined {
  const leaf = new x509.X509Certificate(leafPem);
  const aki = leaf.getExtension(x509.AuthorityKeyIdentifierExtension);
  if (!aki?.keyId) return undefined;
  return ariCertId(hexBytes(aki.keyId), serialDerBytes(leaf.serialNumber));
}

/**
 * The schedule after a renewalInfo answer: the moment previously picked stays while the window is
 * unchanged; a new window gets a new moment, uniformly inside it (`random` in [0, 1)). Pure.
 */
export function scheduleFromRenewalInfo(info: RenewalInfo, previous: AriSchedule | undefined, now: Date, random: () => number = Math.random): AriSchedule {
  const start = Date.parse(info.window.start);
  const end = Date.parse(info.window.end);
  const same = previous && Date.parse(previous.window.start) === start && Date.parse(previous.window.end) === end;
  const renewAt = same ? previous.renewAt : new Date(start + Math.floor(random() * Math.max(0, end - start))).toISOString();
  const wait = info.retryAfter ? info.retryAfter.getTime() - now.getTime() : DEFAULT_ARI_RECHECK_MS;
  const nextCheckAt = new Date(now.getTime() + Math.min(Math.max(wait, 0), MAX_ARI_RECHECK_MS)).toISOString();
  return {
    window: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
    renewAt,
    nextCheckAt,
    ...(info.explanationUrl ? { explanationUrl: info.explanationUrl } : {}),
  };
}

/** Whether the CA may be asked for renewalInfo now (its last Retry-After has passed, or it was never asked). */
export function ariCheckDue(schedule: AriSchedule | undefined, now: Date): boolean {
  return !schedule || Date.parse(schedule.nextCheckAt) <= now.getTime();
}

/** When the ARI schedule says to renew: the picked moment, or now when the window's end has passed. */
export function ariRenewalTime(schedule: AriSchedule, now: Date): Date {
  if (Date.parse(schedule.window.end) <= now.getTime()) return now;
  return new Date(schedule.renewAt);
}
