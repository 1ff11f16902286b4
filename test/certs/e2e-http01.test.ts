import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxConf } from '../../recipes/nginx-conf.js';
import { AcmeIssuer } from '../../src/adapters/acme/acme-issuer.js';
import { loadOrCreateAccountKey } from '../../src/adapters/acme/account-key.js';
import { staticEntryPoints } from '../../src/adapters/acme/entry-points.js';
import { httpPreflight } from '../../src/adapters/acme/preflight.js';
import { WebrootResponder } from '../../src/adapters/acme/webroot-responder.js';
import { certificateStatus } from '../../src/certs/cert-status.js';
import { ensurePlaceholders } from '../../src/certs/placeholder.js';
import { renewSites } from '../../src/certs/renew-sites.js';
import { siteNamesOf } from '../../src/certs/sites.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { probeTls } from '../../src/adapters/tls-probe.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { startProxy, type RunningProxy } from '../peers/nginx.js';
import { httpsGet } from '../support/https.js';
import { proxyCertificateFiles, seedConfigUnderTest, startBackend } from './harness.js';
import { startSupportServer, type SupportServer } from './support-server.js';

/**
 * The seed's flow end to end: the generated nginx.conf on real nginx starts with self-signed
 * placeholders, Pebble validates every http-01 challenge through it (Pebble → nginx :80 →
 * /.well-known/acme-challenge/ → the support server's webroot), then nginx serves the real
 * certificates and HTTPS with SNI reaches each site's backend.
 */
let dir: string;
let pebble: PebblePeer;
let support: SupportServer;
let proxy: RunningProxy | undefined;
const backends: { port: number; close(): Promise<void> }[] = [];
const config = seedConfigUnderTest('https://pebble.invalid/dir');
const sites = siteNamesOf(config);
let services: Record<string, { host: string; port: number }>;

async function proxyWith(store: CertificateStore): Promise<RunningProxy> {
  return startProxy({
    nginxConf: renderNginxConf(config, { rendering: 'per-request' }),
    files: await proxyCertificateFiles(config, store),
    services,
    hosts: { 'swarm-wiz-support:80': { host: '127.0.0.1', port: support.port } },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-e2e-http01-'));
  support = await startSupportServer(join(dir, 'webroot'));
  services = {};
  for (const site of config.sites) {
    const backend = await startBackend(site.service.name);
    backends.push(backend);
    services[`${site.service.name}:${site.service.port}`] = { host: '127.0.0.1', port: backend.port };
  }
});

afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
  await support?.close();
  await Promise.all(backends.map((backend) => backend.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('http-01 end to end: Pebble → generated nginx.conf on nginx → support webroot', () => {
  const store = () => new CertificateStore(dir);

  it('bootstraps: nginx starts on self-signed placeholders before any certificate exists', async () => {
    expect(await ensurePlaceholders(store(), sites)).toEqual(['a.test', 'b.test', 'c.test']);
    proxy = await proxyWith(store());
    const served = await probeTls({ address: '127.0.0.1', port: proxy.httpsPort, servername: 'b.test' });
    expect(served.error).toBeUndefined();
    expect(served.serial).toBe((await store().readMeta('b.test'))?.serial);
    expect(served.trusted).toBe(false);
    // A second run leaves existing certificates alone.
    expect(await ensurePlaceholders(store(), sites)).toEqual([]);
  });

  it('issues the three certificates through nginx, preflighting each token through the proxy first', async () => {
    if (!proxy) throw new Error('the proxy did not start');
    pebble = await startPebble({ httpPort: proxy.httpPort });
    const { keyPem } = await loadOrCreateAccountKey(dir, pebble.directoryUrl);
    const issuer = new AcmeIssuer({
      directoryUrl: pebble.directoryUrl,
      email: config.certificates.email,
      accountKeyPem: keyPem,
      agent: pebble.agent,
      responder: new WebrootResponder(join(dir, 'webroot')),
      preflight: httpPreflight(staticEntryPoints([{ address: '127.0.0.1', port: proxy.httpPort }])),
      poll: { minMs: 200, maxMs: 1000, attempts: 20 },
    });
    const results = await renewSites({ sites, store: store(), issuer });
    expect(results.map((result) => [result.domain, result.outcome, result.reason])).toEqual([
      ['a.test', 'renewed', 'placeholder'],
      ['b.test', 'renewed', 'placeholder'],
      ['c.test', 'renewed', 'placeholder'],
    ]);
    const metaA = await store().readMeta('a.test');
    expect(metaA?.sans.sort()).toEqual(['a.test', 'www.a.test']);
    expect(metaA?.issuer).toMatch(/^Pebble Intermediate CA/);
    expect(metaA?.placeholder).toBe(false);
    for (const domain of ['a.test', 'b.test', 'c.test']) {
      const paths = store().paths(domain);
      expect((await stat(paths.key)).mode & 0o777).toBe(0o600);
      expect((await stat(paths.fullchain)).mode & 0o777).toBe(0o600);
    }
    // Pebble itself fetched every name's token through nginx (not only our preflight).
    const fromCa = support.requests.filter((request) => request.userAgent !== 'swarm-wiz preflight');
    expect(fromCa.length).toBeGreaterThanOrEqual(4);
    expect(await readdir(join(dir, 'webroot', '.well-known', 'acme-challenge'))).toEqual([]);
  });

  it('switches nginx to the real certificates: HTTPS with SNI, trusting only Pebble’s root, reaches each backend', async () => {
    await proxy?.stop();
    proxy = await proxyWith(store());
    const root = await pebble.issuingRootPem();
    for (const [servername, backend] of [
      ['a.test', 'service-a'],
      ['www.a.test', 'service-a'],
      ['b.test', 'service-b'],
      ['c.test', 'service-c'],
    ] as const) {
      const answer = await httpsGet(`https://${servername}:${proxy.httpsPort}/`, { resolve: '127.0.0.1', ca: root, timeoutMs: 5000 });
      expect({ servername, status: answer.status, body: answer.body }).toEqual({ servername, status: 200, body: `backend ${backend}\n` });
    }
    const port = proxy.httpsPort;
    const rows = await certificateStatus({ sites, store: store(), entryPoints: async () => [{ address: '127.0.0.1', port }], ca: root });
    for (const row of rows) {
      expect(row.health).toBe('ok');
      expect(row.live).toHaveLength(1);
      expect(row.live[0]).toMatchObject({ matchesStored: true, trusted: true, serial: row.meta?.serial });
    }
  });
});
