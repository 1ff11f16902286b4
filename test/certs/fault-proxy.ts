import { createServer, request, type Agent } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PemPair } from '../../src/certs/x509-generate.js';

/** A canned answer for requests whose path matches. */
export interface Fault {
  path: RegExp;
  /** 'drop' closes the connection without an answer. */
  status: number | 'drop';
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FaultProxy {
  directoryUrl: string;
  /** Paths of the requests answered with a fault. */
  faulted: string[];
  close(): Promise<void>;
}

/**
 * An https proxy in front of Pebble that answers some paths with a fault (e.g. 429 +
 * Retry-After on new orders) and passes everything else through, keeping the Host header so
 * Pebble's URLs point back at the proxy.
 */
export async function startFaultProxy(options: { target: string; agent: Agent; listener: PemPair; faults: Fault[] }): Promise<FaultProxy> {
  const target = new URL(options.target);
  const faulted: string[] = [];
  const server = createServer({ cert: options.listener.certPem, key: options.listener.keyPem }, (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const fault = req.method !== 'HEAD' ? options.faults.find((candidate) => candidate.path.test(path)) : undefined;
    if (fault) {
      faulted.push(path);
      req.resume();
      if (fault.status === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(fault.status, { 'Content-Type': 'application/problem+json', ...fault.headers }).end(JSON.stringify(fault.body));
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path, method: req.method, headers: req.headers, agent: options.agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    directoryUrl: `https://127.0.0.1:${port}${target.pathname}`,
    faulted,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
