import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxConf } from '../../recipes/nginx-conf.js';
import { AcmeIssuer } from '../../src/adapters/acme/acme-issuer.js';
import { loadOrCreateAccountKey } from '../../src/adapters/acme/account-key.js';
import type { ChallengeResponder, PresentedChallenge } from '../../src/adapters/acme/challenge-responder.js';
import { DigitalOceanDnsResponder } from '../../src/adapters/acme/digitalocean-dns-responder.js';
import { PreflightError } from '../../src/adapters/acme/errors.js';
import { dnsPreflight } from '../../src/adapters/acme/preflight.js';
import { createCloudApi } from '../../src/adapters/digitalocean/index.js';
import type { CloudApi } from '../../src/adapters/digitalocean/cloud-api.js';
import { authoritativeTxt } from '../../src/adapters/dns/authoritative-txt.js';
import { renewSites } from '../../src/certs/renew-sites.js';
import { siteNamesOf } from '../../src/certs/sites.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { freePort } from '../support/net.js';
import { startProxy } from '../peers/nginx.js';
import { httpsGet } from '../support/https.js';
import { proxyCertificateFiles, seedConfigUnderTest, startBackend } from './harness.js';

/**
 * dns-01 end to end: TXT records are created and removed through swarm-wiz's DigitalOcean client
 * against the fake DigitalOcean API; the test copies what that API holds into
 * pebble-challtestsrv, the DNS server Pebble (and our preflight) asks.
 */
let dir: string;
let pebble: PebblePeer;
let fake: FakeDigitalOcean;
let cloud: CloudApi;
const config = seedConfigUnderTest('https://pebble.invalid/dir', 'dns-01');
const sites = siteNamesOf(config);
const ZONES = ['a.test', 'b.test', 'c.test'];

/** Publishes the fake DigitalOcean DNS's `_acme-challenge` TXT records in challtestsrv, as DO's name servers would. */
async function mirrorZones(skip: string[]): Promise<void> {
  for (const zone of ZONES) {
    const records = (await cloud.listDomainRecords(zone)).filter((record) => record.type === 'TXT' && record.name.startsWith('_acme-challenge'));
    for (const host of [`_acme-challenge.${zone}`, `_acme-challenge.www.${zone}`]) await pebble.challtestsrv.clearTxt(host);
    for (const record of records) {
      const fqdn = `${record.name}.${zone}`;
      if (!skip.some((name) => fqdn.endsWith(name))) await pebble.challtestsrv.setTxt(fqdn, record.data);
    }
  }
}

function mirroring(inner: ChallengeResponder, skip: string[] = []): ChallengeResponder {
  return {
    type: inner.type,
    async present(challenge: PresentedChallenge) {
      await inner.present(challenge);
      await mirrorZones(skip);
    },
    async remove(challenge: PresentedChallenge) {
      await inner.remove(challenge);
      await mirrorZones(skip);
    },
  };
}

async function issuer(responder: ChallengeResponder, timeoutMs = 15_000): Promise<AcmeIssuer> {
  return new AcmeIssuer({
    directoryUrl: pebble.directoryUrl,
    email: config.certificates.email,
    accountKeyPem: (await loadOrCreateAccountKey(dir, pebble.directoryUrl)).keyPem,
    agent: pebble.agent,
    responder,
    preflight: dnsPreflight(authoritativeTxt({ servers: [pebble.dnsServer] }), { pollMs: 100, timeoutMs }),
    poll: { minMs: 200, maxMs: 1000, attempts: 20 },
  });
}

async function acmeTxtRecords(): Promise<string[]> {
  const all = await Promise.all(ZONES.map(async (zone) => (await cloud.listDomainRecords(zone)).filter((r) => r.type === 'TXT').map((r) => `${r.name}.${zone}`)));
  return all.flat();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-e2e-dns01-'));
  fake = await startFakeDigitalOcean({ domains: ZONES });
  cloud = createCloudApi({ token: fake.token, baseUrl: fake.url, retry: { maxAttempts: 1 } });
  pebble = await startPebble({ httpPort: await freePort() });
});

afterAll(async () => {
  await pebble?.stop();
  await fake?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dns-01 end to end: DigitalOcean DNS API (fake) → TXT → Pebble', () => {
  it('issues the three certificates; every TXT record is created, seen by the authoritative DNS, and removed', async () => {
    const store = new CertificateStore(dir);
    const results = await renewSites({ sites, store, issuer: await issuer(mirroring(new DigitalOceanDnsResponder(cloud))) });
    const failures = results.flatMap((result) => (result.outcome === 'failed' ? [`${result.domain}: ${result.error.message}`] : []));
    expect(results.map((result) => [result.domain, result.outcome]), failures.join('\n')).toEqual([
      ['a.test', 'renewed'],
      ['b.test', 'renewed'],
      ['c.test', 'renewed'],
    ]);
    expect((await store.readMeta('a.test'))?.sans.sort()).toEqual(['a.test', 'www.a.test']);
    const created = fake.requests.filter((r) => r.method === 'POST' && /\/records$/.test(r.path));
    const deleted = fake.requests.filter((r) => r.method === 'DELETE' && /\/records\/\d+$/.test(r.path));
    expect(created.map((r) => (r.body as { name: string }).name).sort()).toEqual(['_acme-challenge', '_acme-challenge', '_acme-challenge', '_acme-challenge.www']);
    expect(created.filter((r) => (r.body as { type: string }).type !== 'TXT')).toEqual([]);
    expect(deleted).toHaveLength(4);
    expect(await acmeTxtRecords()).toEqual([]);
    fake.assertNoViolations();

    // The certificates work on the generated (dns-01) nginx.conf with real nginx.
    const services: Record<string, { host: string; port: number }> = {};
    const backends = [];
    for (const site of config.sites) {
      const backend = await startBackend(site.service.name);
      backends.push(backend);
      services[`${site.service.name}:${site.service.port}`] = { host: '127.0.0.1', port: backend.port };
    }
    const proxy = await startProxy({ nginxConf: renderNginxConf(config, { rendering: 'per-request' }), files: await proxyCertificateFiles(config, store), services });
    try {
      const root = await pebble.issuingRootPem();
      for (const [name, backend] of [['www.a.test', 'service-a'], ['b.test', 'service-b'], ['c.test', 'service-c']] as const) {
        const answer = await httpsGet(`https://${name}:${proxy.httpsPort}/`, { resolve: '127.0.0.1', ca: root, timeoutMs: 5000 });
        expect({ name, status: answer.status, body: answer.body }).toEqual({ name, status: 200, body: `backend ${backend}\n` });
      }
    } finally {
      await proxy.stop();
      await Promise.all(backends.map((backend) => backend.close()));
    }
  });

  it('a TXT record the authoritative DNS never shows: preflight stops before the CA is asked, the record is removed', async () => {
    const store = new CertificateStore(join(dir, 'unpublished'));
    const before = fake.requests.length;
    const results = await renewSites({
      sites: sites.filter((site) => site.domain === 'c.test'),
      store,
      issuer: await issuer(mirroring(new DigitalOceanDnsResponder(cloud), ['c.test']), 800),
    });
    const failure = results[0];
    expect(failure?.outcome).toBe('failed');
    const error = failure?.outcome === 'failed' ? failure.error : undefined;
    expect(error).toBeInstanceOf(PreflightError);
    expect(error?.message).toMatch(
      new RegExp(`^dns-01 for c\\.test is not reachable, so the CA was not asked: TXT _acme-challenge\\.c\\.test did not appear within 1 s: ${pebble.dnsServer.replace(/\./g, '\\.')} has no TXT record$`),
    );
    const calls = fake.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/\d+$/, 'ID')}`);
    expect(calls).toContain('POST /v2/domains/c.test/records');
    expect(calls).toContain('DELETE /v2/domains/c.test/records/ID');
    expect(await acmeTxtRecords()).toEqual([]);
    expect(await store.readMeta('c.test')).toBeUndefined();
  });
});

describe('DigitalOceanDnsResponder zones (fake DigitalOcean API)', () => {
  it('puts the record in the longest DigitalOcean domain that holds the name; says which domains exist when none does', async () => {
    fake.addDomain('deep.b.test');
    const responder = new DigitalOceanDnsResponder(cloud);
    expect(await responder.zoneOf('_acme-challenge.x.deep.b.test')).toBe('deep.b.test');
    expect(await responder.zoneOf('_acme-challenge.b.test')).toBe('b.test');
    await expect(responder.zoneOf('_acme-challenge.elsewhere.example')).rejects.toThrow(
      'dns-01 for _acme-challenge.elsewhere.example: no DigitalOcean domain holds it (the account has: a.test, b.test, c.test, deep.b.test); add the domain in DigitalOcean DNS or use http-01',
    );
  });
});
