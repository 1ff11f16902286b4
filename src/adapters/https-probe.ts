import { request } from 'node:https';

/** What `GET /` on one entry address answered for one host name. */
export interface HttpsAnswer {
  /** The HTTP status code; absent when there was no answer. */
  status?: number;
  /** Why there was no answer (refused, timed out, handshake failed). */
  error?: string;
}

/**
 * One HTTPS `GET path` to `address:port` with SNI and Host `host`; the body is not read past the status
 * line. The chain is not verified here (the TLS probe reports trust): the status is what counts. At most
 * `timeoutMs` from start to status, whatever the peer does (a black hole included).
 */
export function probeHttps(options: { address: string; port: number; host: string; path?: string; ca?: string; timeoutMs: number }): Promise<HttpsAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: HttpsAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const req = request(
      {
        host: options.address,
        port: options.port,
        path: options.path ?? '/',
        method: 'GET',
        servername: options.host,
        headers: { host: options.port === 443 ? options.host : `${options.host}:${options.port}`, 'user-agent': 'swarm-wiz status' },
        rejectUnauthorized: false,
        ...(options.ca ? { ca: options.ca } : {}),
        agent: false,
      },
      (res) => {
        res.resume();
        done({ status: res.statusCode ?? 0 });
      },
    );
    const timer = setTimeout(() => done({ error: `timed out after ${options.timeoutMs / 1000} s` }), options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => done({ error: reasonOf(error) }));
    req.end();
  });
}

/** A socket error in the words the status screen uses. */
export function reasonOf(error: NodeJS.ErrnoException): string {
  return networkReason(error.code ?? '') ?? error.code ?? error.message;
}

/** A network error code in words (ECONNREFUSED → connection refused), or undefined for any other text. */
export function networkReason(code: string): string | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to host';
    case 'ETIMEDOUT':
      return 'timed out';
    default:
      return undefined;
  }
}
