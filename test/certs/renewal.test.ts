import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxConf } from '../../recipes/nginx-conf.js';
import { CertStatusScreen } from '../../screens/cert-status.js';
import { AcmeIssuer } from '../../src/adapters/acme/acme-issuer.js';
import { loadOrCreateAccountKey } from '../../src/adapters/acme/account-key.js';
import { staticEntryPoints } from '../../src/adapters/acme/entry-points.js';
import { PreflightError } from '../../src/adapters/acme/errors.js';
import { httpPreflight } from '../../src/adapters/acme/preflight.js';
import { WebrootResponder } from '../../src/adapters/acme/webroot-responder.js';
import { certificateStatus } from '../../src/certs/cert-status.js';
import { renewSites, type CertificateIssuer } from '../../src/certs/renew-sites.js';
import { siteNamesOf, allNames } from '../../src/certs/sites.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { probeTls } from '../../src/adapters/tls-probe.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { startProxy, type RunningProxy } from '../peers/nginx.js';
import { proxyCertificateFiles, seedConfigUnderTest, startBackend } from './harness.js';
import { startSupportServer, type SupportServer } from './support-server.js';

const DAY = 86_400_000;
let dir: string;
let pebble: PebblePeer;
let support: SupportServer;
let proxy: RunningProxy | undefined;
let accountKeyPem: string;
const config = seedConfigUnderTest('https://pebble.invalid/dir');
const sites = siteNamesOf(config);
const backends: { close(): Promise<void> }[] = [];

/** A certificate (not from the CA) with chosen dates, stored as if it had been issued earlier. */
async function storeSynthetic(store: CertificateStore, domain: string, notBefore: number, notAfter: number): Promise<string> {
  const site = sites.find((candidate) => candidate.domain === domain)!;
  const pair = await generateCertificate({ names: allNames(site), notBefore: new Date(notBefore), notAfter: new Date(notAfter) });
  return (await store.save(domain, pair.keyPem, pair.certPem, { names: allNames(site) })).serial;
}

function pebbleIssuer(webroot: string): AcmeIssuer {
  return new AcmeIssuer({
    directoryUrl: pebble.directoryUrl,
    email: 'ops@a.test',
    accountKeyPem,
    agent: pebble.agent,
    responder: new WebrootResponder(webroot),
    preflight: httpPreflight(staticEntryPoints([{ address: '127.0.0.1', port: support.port }]), { attempts: 1 }),
    poll: { minMs: 200, maxMs: 1000, attempts: 20 },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-renewal-'));
  support = await startSupportServer(join(dir, 'webroot'));
  pebble = await startPebble({ httpPort: support.port });
  accountKeyPem = (await loadOrCreateAccountKey(dir, pebble.directoryUrl)).keyPem;
});

afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
  await support?.close();
  await Promise.all(backends.map((backend) => backend.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('renewal against Pebble', () => {
  it('renews a certificate inside its renewal window and leaves one outside it alone; --force renews both', async () => {
    const store = new CertificateStore(join(dir, 'window'));
    const now = Date.now();
    // 90-day certificates: 20 days left is inside the last third, 80 days left is not.
    const dueSerial = await storeSynthetic(store, 'a.test', now - 70 * DAY, now + 20 * DAY);
    const freshSerial = await storeSynthetic(store, 'b.test', now - 10 * DAY, now + 80 * DAY);
    const issuer = pebbleIssuer(join(dir, 'webroot'));
    const two = sites.filter((site) => site.domain !== 'c.test');

    const results = await renewSites({ sites: two, store, issuer });
    expect(results.map((result) => [result.domain, result.outcome, result.reason])).toEqual([
      ['a.test', 'renewed', 'due'],
      ['b.test', 'not-due', 'valid'],
    ]);
    const renewed = await store.readMeta('a.test');
    expect(renewed?.serial).not.toBe(dueSerial);
    expect(renewed?.issuer).toMatch(/^Pebble/);
    expect((await store.readMeta('b.test'))?.serial).toBe(freshSerial);

    const forced = await renewSites({ sites: two, store, issuer, force: true });
    expect(forced.map((result) => [result.domain, result.outcome])).toEqual([
      ['a.test', 'renewed'],
      ['b.test', 'renewed'],
    ]);
    expect((await store.readMeta('b.test'))?.serial).not.toBe(freshSerial);
  });

  it('after a rate limit the CA is not asked again before its Retry-After, unless --force', async () => {
    const store = new CertificateStore(join(dir, 'waiting'));
    const site = sites.find((candidate) => candidate.domain === 'c.test')!;
    const retryAfter = new Date(Date.now() + 3_600_000).toISOString();
    await store.writeRenewal('c.test', { lastAttemptAt: new Date().toISOString(), lastError: 'the CA refused (rateLimited, HTTP 429): slow down', retryAfter });
    let asked = 0;
    const counting: CertificateIssuer = {
      directoryUrl: pebble.directoryUrl,
      issue: (order) => {
        asked += 1;
        return pebbleIssuer(join(dir, 'webroot')).issue(order);
      },
    };
    const [waiting] = await renewSites({ sites: [site], store, issuer: counting });
    expect(waiting?.outcome).toBe('failed');
    expect(waiting?.outcome === 'failed' && waiting.error.message).toBe(
      `not asking the CA again before ${retryAfter}, as it asked (last error: the CA refused (rateLimited, HTTP 429): slow down); --force asks anyway`,
    );
    expect(asked).toBe(0);
    const [forced] = await renewSites({ sites: [site], store, issuer: counting, force: true });
    expect(forced?.outcome).toBe('renewed');
    expect(asked).toBe(1);
    expect(await store.readRenewal('c.test')).not.toHaveProperty('retryAfter');
  });

  it('a valid certificate from another CA (staging → Pebble here) is replaced; the new one records its CA', async () => {
    const store = new CertificateStore(join(dir, 'ca-switch'));
    const now = Date.now();
    const site = sites.find((candidate) => candidate.domain === 'b.test')!;
    const staging = await generateCertificate({ names: allNames(site), notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
    await store.save('b.test', staging.keyPem, staging.certPem, { caDirectoryUrl: 'https://acme-staging-v02.api.letsencrypt.org/directory' });
    const statusBefore = await certificateStatus({ sites: [site], store, caDirectoryUrl: pebble.directoryUrl });
    expect(statusBefore[0]?.health).toBe('due');
    const [result] = await renewSites({ sites: [site], store, issuer: pebbleIssuer(join(dir, 'webroot')) });
    expect([result?.outcome, result?.reason]).toEqual(['renewed', 'ca-changed']);
    expect((await store.readMeta('b.test'))?.caDirectoryUrl).toBe(pebble.directoryUrl);
    const [again] = await renewSites({ sites: [site], store, issuer: pebbleIssuer(join(dir, 'webroot')) });
    expect(again?.outcome).toBe('not-due');
    expect((await certificateStatus({ sites: [site], store, caDirectoryUrl: pebble.directoryUrl }))[0]?.health).toBe('ok');
  });

  it('a failed renewal keeps the old certificate stored and served; the status screen shows the error', async () => {
    const store = new CertificateStore(join(dir, 'failing'));
    const now = Date.now();
    for (const domain of ['a.test', 'b.test', 'c.test']) await storeSynthetic(store, domain, now - 70 * DAY, now + 20 * DAY);
    const oldChain = await readFile(store.paths('c.test').fullchain, 'utf8');
    const oldKey = await readFile(store.paths('c.test').key, 'utf8');
    const oldSerial = (await store.readMeta('c.test'))!.serial;

    const services: Record<string, { host: string; port: number }> = {};
    for (const site of config.sites) {
      const backend = await startBackend(site.service.name);
      backends.push(backend);
      services[`${site.service.name}:${site.service.port}`] = { host: '127.0.0.1', port: backend.port };
    }
    proxy = await startProxy({
      nginxConf: renderNginxConf(config, { rendering: 'per-request' }),
      files: await proxyCertificateFiles(config, store),
      services,
      hosts: { 'swarm-wiz-support:80': { host: '127.0.0.1', port: support.port } },
    });

    // c.test's token lands where nothing serves it: a real preflight failure, the CA never asked.
    const working = pebbleIssuer(join(dir, 'webroot'));
    const broken = pebbleIssuer(join(dir, 'not-served'));
    const issuer: CertificateIssuer = { issue: (order) => (order.domain === 'c.test' ? broken : working).issue(order) };
    const results = await renewSites({ sites, store, issuer });
    expect(results.map((result) => [result.domain, result.outcome])).toEqual([
      ['a.test', 'renewed'],
      ['b.test', 'renewed'],
      ['c.test', 'failed'],
    ]);
    const failure = results[2];
    expect(failure?.outcome === 'failed' && failure.error).toBeInstanceOf(PreflightError);

    expect(await readFile(store.paths('c.test').fullchain, 'utf8')).toBe(oldChain);
    expect(await readFile(store.paths('c.test').key, 'utf8')).toBe(oldKey);
    const served = await probeTls({ address: '127.0.0.1', port: proxy.httpsPort, servername: 'c.test' });
    expect(served.serial).toBe(oldSerial);

    const port = proxy.httpsPort;
    const rows = await certificateStatus({ sites, store, entryPoints: async () => [{ address: '127.0.0.1', port }], ca: await pebble.issuingRootPem() });
    const byDomain = Object.fromEntries(rows.map((row) => [row.domain, row]));
    expect(byDomain['c.test']).toMatchObject({ health: 'due', lastError: failure?.outcome === 'failed' ? failure.error.message : 'x' });
    expect(byDomain['c.test']?.live[0]).toMatchObject({ matchesStored: true, serial: oldSerial });
    // a.test is renewed in the store but the running proxy still serves the old one until the rollout.
    expect(byDomain['a.test']).toMatchObject({ health: 'ok' });
    expect(byDomain['a.test']?.live[0]?.matchesStored).toBe(false);

    const { lastFrame, unmount } = render(createElement(CertStatusScreen, { rows, now: new Date(now) }));
    const frame = lastFrame() ?? '';
    if (process.env.SHOW_FRAME) console.log(frame);
    unmount();
    const cBlock = frame.slice(frame.indexOf('c.test'));
    expect(cBlock).toMatch(/c\.test renewal due/);
    expect(cBlock).toMatch(/19 days left|20 days left/);
    expect(cBlock).toContain('last error: http-01 for c.test is not reachable, so the CA was not asked:');
    expect(frame).toMatch(/a\.test \+ www\.a\.test valid/);
    expect(frame).toMatch(/serial [0-9a-f]+…? ≠ stored/);
    expect(frame).toContain('3 of 3 sites need attention.');
  });
});
