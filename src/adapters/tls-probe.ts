import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { commonNameOf, normaliseSerial } from './certificate-metadata.js';

/** What one entry address really serves for a name. */
export interface LiveCertificate {
  address: string;
  port: number;
  serial?: string;
  notAfter?: string;
  issuer?: string;
  /** The DNS names the served certificate covers. */
  sans?: string[];
  /** Whether the chain verifies against the trust used (system roots, or `ca`). */
  trusted?: boolean;
  /** Why nothing could be read (refused, timeout, handshake rejected). */
  error?: string;
}

/**
 * TLS handshake with SNI to one entry address; reads the served leaf certificate. Does not
 * send a request, and does not fail on an untrusted chain (it reports it).
 */
export function probeTls(options: { address: string; port?: number; servername: string; ca?: string; timeoutMs?: number }): Promise<LiveCertificate> {
  const port = options.port ?? 443;
  const base = { address: options.address, port };
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({
      host: options.address,
      port,
      servername: options.servername,
      rejectUnauthorized: false,
      ...(options.ca ? { ca: options.ca } : {}),
      timeout: timeoutMs,
    });
    const done = (result: LiveCertificate) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      resolve(result);
    };
    // The socket's idle timeout does not bound a connect that never completes; this does, whatever the peer does.
    const deadline = setTimeout(() => done({ ...base, error: `no TLS answer within ${timeoutMs / 1000} s` }), timeoutMs);
    socket.once('secureConnect', () => {
      const raw = socket.getPeerX509Certificate?.() as X509Certificate | undefined;
      if (!raw) return done({ ...base, error: 'no certificate served' });
      done({ ...base, serial: normaliseSerial(raw.serialNumber), notAfter: new Date(raw.validTo).toISOString(), issuer: commonNameOf(raw.issuer), sans: dnsNamesOf(raw.subjectAltName), trusted: socket.authorized });
    });
    socket.once('timeout', () => done({ ...base, error: `no TLS answer within ${timeoutMs / 1000} s` }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ...base, error: error.code ? `${error.code}` : error.message }));
  });
}

function dnsNamesOf(subjectAltName: string | undefined): string[] {
  return (subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
}
