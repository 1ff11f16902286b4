import type { IncomingHttpHeaders } from 'node:http';
import { request, type Agent } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface HttpsRequestOptions {
  /**
   * Connect here (e.g. '127.0.0.1') instead of to the URL's host, as `curl --resolve` does: the URL's
   * name still goes out as SNI and as the Host header (without a port).
   */
  resolve?: string;
  /** Trust only this CA (PEM). Without `ca`, `anyCertificate` or `agent`: the system's CAs. */
  ca?: string;
  /** Accept any certificate (the test looks at `certificate` itself, or does not care). */
  anyCertificate?: boolean;
  /** Send through this agent (its CA, its connections); without it, a new connection (and TLS handshake) each time. */
  agent?: Agent;
  /** More headers; a `host` here replaces the one `resolve` sets. */
  headers?: Record<string, string>;
  /** Give up (reject) when no answer came within this many ms; without it, no limit. */
  timeoutMs?: number;
  method?: string;
  /** The request body (then sent with `method`, e.g. POST). */
  body?: string;
}

export interface HttpsReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text, untouched. */
  body: string;
  /** The server's certificate as this connection saw it. */
  certificate: PeerCertificate | undefined;
}

/** One HTTPS request to `url`, the whole answer read as text. It rejects only when no answer came (refused, TLS failure, timeout). */
export function httpsRequest(url: string | URL, options: HttpsRequestOptions = {}): Promise<HttpsReply> {
  const target = new URL(url);
  const name = target.hostname;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        ...(options.resolve ? { hostname: options.resolve, servername: name } : {}),
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.anyCertificate ? { rejectUnauthorized: false } : {}),
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
        headers: { ...(options.resolve ? { host: name } : {}), ...options.headers },
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const certificate = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, certificate }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.href}${options.resolve ? ` (at ${options.resolve})` : ''} within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** GET `url` over HTTPS (see httpsRequest). */
export const httpsGet = (url: string | URL, options: Omit<HttpsRequestOptions, 'method' | 'body'> = {}): Promise<HttpsReply> => httpsRequest(url, options);
