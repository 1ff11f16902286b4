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
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { proxyCertificateFiles, seedConfigUnderTest } from '../certs/harness.js';
import { startSupportServer } from '../certs/support-server.js';
import { startProxy } from '../peers/nginx.js';
import { startPebble } from '../peers/pebble.js';
import { median, type Figure } from './figures.js';

const ROUNDS = 3;

/** A config of `count` sites s1.test … sN.test (http-01, the support server behind the generated nginx.conf). */
function sitesConfig(count: number): Config {
  const seed = seedConfigUnderTest('https://pebble.invalid/dir');
  return parseConfig({
    ...SEED_EXAMPLE,
    workers: 3,
    sites: Array.from({ length: count }, (_, i) => ({ domain: `s${i + 1}.test`, service: { name: `service-${i + 1}`, image: 'ghcr.io/me/s:1.0', port: 5000 } })),
    certificates: { ...SEED_EXAMPLE.certificates, ...seed.certificates },
  });
}

/** Issuing 1 and 10 certificates from Pebble (2.10, no validation sleep), http-01 through the generated nginx.conf, rounds alternating. */
export default async function benchAcmeIssue(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bench-acme-'));
  const ten = sitesConfig(10);
  const support = await startSupportServer(join(dir, 'webroot'));
  const placeholderStore = new CertificateStore(join(dir, 'placeholders'));
  await ensurePlaceholders(placeholderStore, siteNamesOf(ten));
  const proxy = await startProxy({
    nginxConf: renderNginxConf(ten, { rendering: 'per-request' }),
    files: await proxyCertificateFiles(ten, placeholderStore),
    hosts: { 'swarm-wiz-support:80': { host: '127.0.0.1', port: support.port } },
  });
  const pebble = await startPebble({ httpPort: proxy.httpPort });
  try {
    const { keyPem } = await loadOrCreateAccountKey(dir, pebble.directoryUrl);
    const issue = async (count: number, label: string): Promise<number> => {
      const issuer = new AcmeIssuer({
        directoryUrl: pebble.directoryUrl,
        email: 'ops@a.test',
        accountKeyPem: keyPem,
        agent: pebble.agent,
        responder: new WebrootResponder(join(dir, 'webroot')),
        preflight: httpPreflight(staticEntryPoints([{ address: '127.0.0.1', port: proxy.httpPort }])),
        // The poll schedule swarm-wiz itself uses (renew, apply): what a user waits.
      });
      const sites = siteNamesOf(ten).slice(0, count);
      const started = performance.now();
      const results = await renewSites({ sites, store: new CertificateStore(join(dir, label)), issuer });
      const elapsed = performance.now() - started;
      const failed = results.filter((result) => result.outcome !== 'renewed');
      if (failed.length > 0) throw new Error(`${label}: ${failed.map((f) => f.domain).join(', ')} not issued`);
      return elapsed;
    };
    await issue(1, 'warm-up');
    const one: number[] = [];
    const tenTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        one.push(await issue(1, `one-${round}`));
        tenTimes.push(await issue(10, `ten-${round}`));
      } else {
        tenTimes.push(await issue(10, `ten-${round}`));
        one.push(await issue(1, `one-${round}`));
      }
    }
    return [
      { name: 'issue 1 certificate, http-01 via the generated nginx, Pebble', value: median(one), unit: 'ms', note: `median of ${ROUNDS} alternating rounds; Pebble without validation sleep; the poll schedule swarm-wiz uses (first poll after 1 s)` },
      {
        name: 'issue 10 certificates (10 sites), http-01 via the generated nginx, Pebble',
        value: median(tenTimes),
        unit: 'ms',
        baseline: { name: '1 certificate', value: median(one) },
        target: { text: '≤ 2× of 1', on: 'ratio', comparator: '<=', limit: 2 },
        note: `median of ${ROUNDS} alternating rounds; Pebble without validation sleep; the poll schedule swarm-wiz uses (first poll after 1 s); min ${Math.round(Math.min(...tenTimes))}, max ${Math.round(Math.max(...tenTimes))} ms`,
      },
    ];
  } finally {
    await pebble.stop();
    await proxy.stop();
    await support.close();
    await rm(dir, { recursive: true, force: true });
  }
}
