import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxConf } from '../../recipes/nginx-conf.js';
import { AcmeIssuer } from '../../src/adapters/acme/acme-issuer.js';
import { loadOrCreateAccountKey } from '../../src/adapters/acme/account-key.js';
import { ChallengeInvalidError, WaitingForCaError } from '../../src/adapters/acme/errors.js';
import { WebrootResponder } from '../../src/adapters/acme/webroot-responder.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { probeTls } from '../../src/adapters/tls-probe.js';
import { LETS_ENCRYPT_BACKOFF } from '../../src/certs/backoff.js';
import { splitChain } from '../../src/adapters/certificate-metadata.js';
import { renewSites, type CertificateIssuer } from '../../src/certs/renew-sites.js';
import { allNames, siteNamesOf } from '../../src/certs/sites.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { loadState, saveState, StateStore, stateAttemptLog, emptyState } from '../../src/state/index.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { freePort } from '../support/net.js';
import { startProxy, type RunningProxy } from '../peers/nginx.js';
import { proxyCertificateFiles, seedConfigUnderTest } from './harness.js';

/**
 * Failures never lock a user out: Pebble validates a.test's http-01 against a port where nothing
 * answers, so every order fails for real. Five failed orders within the hour are made; the sixth
 * (also with --force) is not, and says when it will be. nginx keeps serving the stored certificate:
 * the same bytes on disk and the same leaf (bytes and serial) a TLS client sees.
 */
const DAY = 86_400_000;
const MIN = 60_000;
let dir: string;
let pebble: PebblePeer;
let proxy: RunningProxy | undefined;
const config = seedConfigUnderTest('https://pebble.invalid/dir');
const sites = siteNamesOf(config);
const site = sites.find((candidate) => candidate.domain === 'a.test')!;

/** The DER of the leaf certificate a TLS client with SNI sees. */
function servedLeaf(port: number, servername: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate()?.raw;
      socket.destroy();
      if (raw) resolve(raw);
      else reject(new Error('no certificate served'));
    });
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-failure-limit-'));
  // http-01 validations go to a port nothing listens on: connection refused, every time.
  pebble = await startPebble({ httpPort: await freePort() });
});

afterAll(async () => {
  await proxy?.stop();
  await pebble?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("Let's Encrypt's failed-validation limit against Pebble", () => {
  it('makes at most 5 failed orders per name within the hour (--force too); nginx keeps serving the stored certificate, bytes and serial', async () => {
    const store = new CertificateStore(dir);
    const now = Date.now();
    // Due certificates (20 of 90 days left) for the three sites; nginx serves them from the stored files.
    for (const each of sites) {
      const pair = await generateCertificate({ names: allNames(each), notBefore: new Date(now - 70 * DAY), notAfter: new Date(now + 20 * DAY) });
      await store.save(each.domain, pair.keyPem, pair.certPem, { names: allNames(each) });
    }
    const before = { chain: await readFile(store.paths('a.test').fullchain), key: await readFile(store.paths('a.test').key), serial: (await store.readMeta('a.test'))!.serial };
    const deadPort = await freePort();
    proxy = await startProxy({
      nginxConf: renderNginxConf(config, { rendering: 'per-request' }),
      files: await proxyCertificateFiles(config, store),
      services: { 'service-a:5000': null, 'service-b:5000': null, 'service-c:5000': null },
      hosts: { 'swarm-wiz-support:80': { host: '127.0.0.1', port: deadPort } },
    });
    const storedLeaf = new X509Certificate(splitChain(before.chain.toString('utf8'))[0]!).raw;
    expect((await servedLeaf(proxy.httpsPort, 'a.test')).equals(storedLeaf)).toBe(true);

    const acme = new AcmeIssuer({
      directoryUrl: pebble.directoryUrl,
      email: 'ops@a.test',
      accountKeyPem: (await loadOrCreateAccountKey(dir, pebble.directoryUrl)).keyPem,
      agent: pebble.agent,
      responder: new WebrootResponder(join(dir, 'webroot')),
      // No preflight: the point is that the CA itself looks and fails (a failed validation that counts).
      preflight: { check: () => Promise.resolve() },
      poll: { minMs: 100, maxMs: 500, attempts: 40 },
    });
    const orders: string[] = [];
    const issuer: CertificateIssuer = { directoryUrl: acme.directoryUrl, issue: (order) => (orders.push(order.domain), acme.issue(order)) };

    await saveState(dir, emptyState(config.project));
    const state = new StateStore(dir, await loadState(dir, config.project));
    const attempts = stateAttemptLog(state);
    // No back-off between runs here (it would space them out on its own): only the hourly limit.
    const backoff = { ...LETS_ENCRYPT_BACKOFF, baseMs: 0, capMs: 0 };
    const t0 = new Date('2026-11-30T14:00:00.000Z');
    const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

    for (const minute of [0, 5, 10, 15, 20]) {
      const [result] = await renewSites({ sites: [site], store, issuer, attempts, backoff, now: at(minute) });
      expect(result?.outcome).toBe('failed');
      expect(result?.outcome === 'failed' && result.error).toBeInstanceOf(ChallengeInvalidError);
    }
    expect(orders).toHaveLength(5);

    // The sixth within the hour is not made, not even with --force; it says when it will be.
    for (const force of [false, true]) {
      const [sixth] = await renewSites({ sites: [site], store, issuer, attempts, backoff, now: at(30), force });
      expect(sixth?.outcome).toBe('failed');
      const error = sixth?.outcome === 'failed' ? sixth.error : undefined;
      expect(error).toBeInstanceOf(WaitingForCaError);
      expect(error?.message).toBe("5 failed validations in the last hour (Let's Encrypt allows 5); next attempt after 15:00 UTC (--force does not bypass this)");
      expect(error?.retryAfter).toEqual(at(60));
    }
    expect(orders).toHaveLength(5);

    // state.json holds the record (a fresh load sees it): the five failures, each with its reason.
    const saved = await loadState(dir, config.project);
    const record = saved.certificates?.attempts['a.test'];
    expect(record?.failures.map((failure) => failure.at)).toEqual([0, 5, 10, 15, 20].map((minute) => at(minute).toISOString()));
    expect(record?.failures[0]?.reason).toMatch(/^the CA could not validate http-01 for (www\.)?a\.test \(connection\): .*connect/);
    expect(record?.nextAttemptAt).toBe(at(60).toISOString());

    // Another name of the same account is not held back by a.test's failures.
    const [other] = await renewSites({ sites: [sites.find((candidate) => candidate.domain === 'b.test')!], store, issuer, attempts, backoff, now: at(30) });
    expect(other?.outcome === 'failed' && other.error).toBeInstanceOf(ChallengeInvalidError);
    expect(orders).toEqual(['a.test', 'a.test', 'a.test', 'a.test', 'a.test', 'b.test']);

    // Nothing served or stored changed: same files, same leaf bytes and serial on the wire.
    expect(await readFile(store.paths('a.test').fullchain)).toEqual(before.chain);
    expect(await readFile(store.paths('a.test').key)).toEqual(before.key);
    expect((await servedLeaf(proxy.httpsPort, 'a.test')).equals(storedLeaf)).toBe(true);
    const served = await probeTls({ address: '127.0.0.1', port: proxy.httpsPort, servername: 'a.test' });
    expect(served.serial).toBe(before.serial);

    // After the hour one more attempt is made.
    await renewSites({ sites: [site], store, issuer, attempts, backoff, now: at(61) });
    expect(orders.filter((domain) => domain === 'a.test')).toHaveLength(6);
  }, 120_000);
});
