import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A certificate and its private key, both PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  /** The first name is the common name; all of them go into subjectAltName (`ip:` prefix for an IP). */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate may sign others. */
  isCa?: boolean;
  /** Signed by this CA; self-signed when absent. */
  issuer?: PemPair;
  /** Subject common name when it should differ from the first name (CAs). */
  commonName?: string;
}

function pemOf(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function derOf(pem: string): ArrayBuffer {
  const body = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  const bytes = Buffer.from(body, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

function generalName(name: string): x509.JsonGeneralName {
  return name.startsWith('ip:') ? { type: 'ip', value: name.slice(3) } : { type: 'dns', value: name };
}

/**
 * Creates an ECDSA P-256 certificate with chosen validity dates: the self-signed placeholder a
 * proxy serves before the first real certificate, and test certificates inside or outside
 * the renewal window.
 */
export async function generateCertificate(request: CertificateRequest): Promise<PemPair> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
  const commonName = request.commonName ?? request.names[0] ?? 'placeholder';
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(request.isCa === true, undefined, true),
    new x509.KeyUsagesExtension(
      request.isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
  ];
  if (!request.isCa) {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false));
    extensions.push(new x509.SubjectAlternativeNameExtension(request.names.map(generalName), false));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  const subject = `CN=${commonName.replace(/^ip:/, '')}`;
  let certificate: x509.X509Certificate;
  if (request.issuer) {
    const issuerCert = new x509.X509Certificate(request.issuer.certPem);
    const issuerKey = await webcrypto.subtle.importKey('pkcs8', derOf(request.issuer.keyPem), EC_KEY, false, ['sign']);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCert));
    certificate = await x509.X509CertificateGenerator.create({
      subject,
      issuer: issuerCert.subject,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      signingAlgorithm: SIGNING,
      publicKey: keys.publicKey,
      signingKey: issuerKey,
      extensions,
    });
  } else {
    certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: subject,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      signingAlgorithm: SIGNING,
      keys,
      extensions,
    });
  }
  const keyDer = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: certificate.toString('pem') + '\n', keyPem: pemOf('PRIVATE KEY', keyDer) };
}
