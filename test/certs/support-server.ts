import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';

/**
 * Stands in for the support server's web server (the seed's `httpd` container): serves the
 * webroot's `/.well-known/acme-challenge/` files, 404 for anything else. Records the paths asked.
 */
export interface SupportServer {
  port: number;
  requests: { path: string; userAgent: string }[];
  close(): Promise<void>;
}

export async function startSupportServer(webroot: string, port = 0): Promise<SupportServer> {
  const requests: { path: string; userAgent: string }[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push({ path, userAgent: req.headers['user-agent'] ?? '' });
    if (!path.startsWith('/.well-known/acme-challenge/')) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const file = normalize(join(webroot, path));
    if (!file.startsWith(normalize(webroot))) {
      res.writeHead(400).end();
      return;
    }
    readFile(file).then(
      (content) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(content),
      () => res.writeHead(404).end('no such token\n'),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
