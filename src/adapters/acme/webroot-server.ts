import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

const CHALLENGE_PATH = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]{1,256})$/;

/** A running webroot server; `close` stops it. */
export interface WebrootServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The support server's job for `--target local`: answers `GET /.well-known/acme-challenge/<token>`
 * from the webroot the WebrootResponder writes into, and nothing else (404), on `address:port` — an
 * address of this machine the proxy container reaches. Runs only while certificates are ordered.
 */
export async function serveWebroot(webroot: string, address: string, port: number): Promise<WebrootServer> {
  const server: Server = createServer((req, res) => {
    const match = CHALLENGE_PATH.exec((req.url ?? '').split('?')[0] ?? '');
    if (req.method !== 'GET' || !match) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    readFile(join(webroot, '.well-known', 'acme-challenge', match[1]!), 'utf8').then(
      (body) => res.writeHead(200, { 'content-type': 'text/plain' }).end(body),
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`cannot serve the ACME webroot on ${address}:${port} (${error.code ?? error.message}): is another program using that port?`)),
    );
    server.listen(port, address, () => resolve());
  });
  return {
    address,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
