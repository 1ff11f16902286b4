import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNginxConf } from '../../recipes/nginx-conf.js';
import { AcmeIssuer } from '../../src/adapters/acme/acme-issuer.js';
import { loadOrCreateAccountKey } from '../../src/adapters/acme/account-key.js';
import { staticEntryPoints } from '../../src/adapters/acme/entry-points.js';
import { httpPreflight } from '../../src/adapters/acme/preflight.js';
import { WebrootResponder } from '../../src/adapters/acme/webroot-responder.js';
import { ensurePlaceholders } from '../../src/certs/placeholder.js';
import { renewSites } from '../../src/certs/renew-sites.js';
import { siteNamesOf } from '../../src/certs/sites.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { proxyCertificateFiles, seedConfigUnderTest } from '../certs/harness.js';
import { startSupportServer } from '../certs/support-server.js';
import { startProxy } from '../peers/nginx.js';
import { startPebble } from '../peers/pebble.js';
import type { Measurement } from './run.js';

const ROUNDS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Issuing the seed's three certificates (a.test + www.a.test, b.test, c.test) from Pebble, http-01 through the generated nginx.conf. */
export default async function benchAcmeIssue(): Promise<Measurement[]> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bench-acme-'));
  const config = seedConfigUnderTest('https://pebble.invalid/dir');
  const sites = siteNamesOf(config);
  const support = await startSupportServer(join(dir, 'webroot'));
  const placeholderStore = new CertificateStore(join(dir, 'placeholders'));
  await ensurePlaceholders(placeholderStore, sites);
  const proxy = await startProxy({
    nginxConf: renderNginxConf(config, { rendering: 'per-request' }),
    files: await proxyCertificateFiles(config, placeholderStore),
    hosts: { 'swarm-wiz-support:80': { host: '127.0.0.1', port: support.port } },
  });
  const startedPebble = performance.now();
  const pebble = await startPebble({ httpPort: proxy.httpPort });
  const pebbleStartMs = performance.now() - startedPebble;
  try {
    const { keyPem } = await loadOrCreateAccountKey(dir, pebble.directoryUrl);
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const issuer = new AcmeIssuer({
        directoryUrl: pebble.directoryUrl,
        email: 'ops@a.test',
        accountKeyPem: keyPem,
        agent: pebble.agent,
        responder: new WebrootResponder(join(dir, 'webroot')),
        preflight: httpPreflight(staticEntryPoints([{ address: '127.0.0.1', port: proxy.httpPort }])),
        poll: { minMs: 200, maxMs: 1000, attempts: 20 },
      });
      const started = performance.now();
      const results = await renewSites({ sites, store: new CertificateStore(join(dir, `round-${round}`)), issuer });
      times.push(performance.now() - started);
      const failed = results.filter((result) => result.outcome !== 'renewed');
      if (failed.length > 0) throw new Error(`round ${round}: ${failed.map((f) => f.domain).join(', ')} not issued`);
    }
    return [
      { name: 'issue 3 certificates (4 names), http-01 via nginx, Pebble', value: Math.round(median(times)), unit: 'ms', note: `median of ${ROUNDS}, min ${Math.round(Math.min(...times))}, max ${Math.round(Math.max(...times))}` },
      { name: 'Pebble + challtestsrv start-up', value: Math.round(pebbleStartMs), unit: 'ms' },
    ];
  } finally {
    await pebble.stop();
    await proxy.stop();
    await support.close();
    await rm(dir, { recursive: true, force: true });
  }
}
