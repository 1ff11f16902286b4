import { createServer, type Server } from 'node:http';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { certificatePathsInContainer } from '../../recipes/names.js';
import type { CertificateStore } from '../../src/adapters/certificate-store.js';

/** The seed's three sites under `.test` (a.test also answers as www.a.test), certificates from `ca`. */
export function seedConfigUnderTest(ca: string, challenge: 'http-01' | 'dns-01' = 'http-01'): Config {
  return parseConfig({
    ...SEED_EXAMPLE,
    sites: SEED_EXAMPLE.sites.map((site) => ({
      ...site,
      domain: site.domain.replace(/\.com$/, '.test'),
      ...(site.domain === 'a.com' ? { aliases: ['www.a.test'] } : {}),
    })),
    certificates: { ...SEED_EXAMPLE.certificates, email: 'ops@a.test', ca, challenge },
  });
}

/** A backend service answering `backend <name>` to any request. */
export async function startBackend(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`backend ${name}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The stored certificates as the files the generated nginx.conf reads (where its delivery puts them). */
export async function proxyCertificateFiles(config: Config, store: CertificateStore): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const site of config.sites) {
    const stored = await store.read(site.domain);
    if (!stored) throw new Error(`no certificate stored for ${site.domain}`);
    const paths = certificatePathsInContainer(config.certificates.delivery, site.domain);
    files[paths.chain] = stored.fullchainPem;
    files[paths.key] = stored.keyPem;
  }
  return files;
}
