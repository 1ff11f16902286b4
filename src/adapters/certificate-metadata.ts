import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ariCertIdOf, type AriSchedule } from './acme/ari.js';

/** What a stored certificate is, readable without asking the CA. Dates are ISO strings. */
export interface CertificateMeta {
  serial: string;
  notBefore: string;
  notAfter: string;
  /** The issuer's common name (or its whole DN when it has none). */
  issuer: string;
  /** Every DNS name the certificate covers, in its order. */
  sans: string[];
  /** A self-signed stand-in so the proxy can start before the first real certificate. */
  placeholder: boolean;
  /** The ACME directory it came from: switching `certificates.ca` (staging → production) makes it due. */
  caDirectoryUrl?: string;
  /** RFC 9773's id of this certificate (renewalInfo lookups, `replaces` in the renewal order). */
  ariId?: string;
  /** The CA's renewal window and the moment picked in it; absent when the CA has no ARI. */
  ari?: AriSchedule;
  /** The ACME profile it was ordered with. */
  profile?: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificates of a chain, leaf first. */
export function splitChain(fullchainPem: string): string[] {
  return fullchainPem.match(PEM_CERT) ?? [];
}

/** An X.509 name's common name, or the whole name on one line when it has none. */
export function commonNameOf(dn: string): string {
  const cn = dn.split('\n').find((part) => part.startsWith('CN='));
  return cn ? cn.slice(3) : dn.replace(/\n/g, ', ');
}

/** A serial as lower-case hex without separators or leading zeros, so stored and served serials compare equal. */
export function normaliseSerial(serial: string): string {
  return serial.replace(/[^0-9a-fA-F]/g, '').replace(/^0+(?=.)/, '').toLowerCase();
}

/** Metadata of the leaf of a chain. Throws when the text holds no certificate. */
export function certificateMeta(fullchainPem: string, placeholder = false): CertificateMeta {
  const leafPem = splitChain(fullchainPem)[0];
  if (!leafPem) throw new Error('holds no PEM certificate');
  const leaf = new X509Certificate(leafPem);
  const sans = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  const ariId = placeholder ? undefined : ariIdOrNothing(leafPem);
  return {
    serial: normaliseSerial(leaf.serialNumber),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    issuer: commonNameOf(leaf.issuer),
    sans,
    placeholder,
    ...(ariId ? { ariId } : {}),
  };
}

function ariIdOrNothing(leafPem: string): string | undefined {
  try {
    return ariCertIdOf(leafPem);
  } catch {
    return undefined;
  }
}

/** True when the private key belongs to the chain's leaf certificate. */
export function keyMatchesCertificate(keyPem: string, fullchainPem: string): boolean {
  const leafPem = splitChain(fullchainPem)[0];
  if (!leafPem) return false;
  try {
    return new X509Certificate(leafPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
