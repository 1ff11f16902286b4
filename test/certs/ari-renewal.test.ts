import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeIssuer, type IssueEvent } from '../../src/adapters/acme/acme-issuer.js';
import { loadOrCreateAccountKey } from '../../src/adapters/acme/account-key.js';
import { readCaProfiles } from '../../src/adapters/acme/directory.js';
import { staticEntryPoints } from '../../src/adapters/acme/entry-points.js';
import { UnknownProfileError } from '../../src/adapters/acme/errors.js';
import { httpPreflight } from '../../src/adapters/acme/preflight.js';
import { WebrootResponder } from '../../src/adapters/acme/webroot-responder.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { renewSites } from '../../src/certs/renew-sites.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { startSupportServer, type SupportServer } from './support-server.js';

/**
 * ARI and profiles against Pebble 2.10 (Debian unstable's, unpacked by test/peers/install.sh).
 * Pebble's own renewal window is the middle of the last third of the validity ± 1 day; its
 * management API (set-renewal-info) moves it, and it answers renewalInfo with Retry-After: 6 h.
 */
const HOUR = 3_600_000;
let dir: string;
let pebble: PebblePeer;
let support: SupportServer;
let accountKeyPem: string;

function issuer(profile: string | undefined, events: IssueEvent[] = []): AcmeIssuer {
  return new AcmeIssuer({
    directoryUrl: pebble.directoryUrl,
    email: 'ops@a.test',
    accountKeyPem,
    agent: pebble.agent,
    responder: new WebrootResponder(join(dir, 'webroot')),
    preflight: httpPreflight(staticEntryPoints([{ address: '127.0.0.1', port: support.port }]), { attempts: 1 }),
    poll: { minMs: 200, maxMs: 1000, attempts: 20 },
    onEvent: (event) => events.push(event),
    ...(profile ? { profile } : {}),
  });
}

const orderRequests = () => pebble.log().split('\n').filter((line) => line.includes('POST /order-plz')).length;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-ari-'));
  support = await startSupportServer(join(dir, 'webroot'));
  pebble = await startPebble({ httpPort: support.port, unstable: true });
  accountKeyPem = (await loadOrCreateAccountKey(dir, pebble.directoryUrl)).keyPem;
});

afterAll(async () => {
  await pebble?.stop();
  await support?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ARI against Pebble 2.10', () => {
  it("renews at the moment picked in the CA's window, not before, honours Retry-After, and the order replaces the old certificate", async () => {
    const store = new CertificateStore(join(dir, 'window'));
    const sites = [{ domain: 'ari.test', altNames: ['www.ari.test'] }];
    const events: IssueEvent[] = [];
    const ca = issuer('default', events);

    const [first] = await renewSites({ sites, store, issuer: ca });
    expect(first).toMatchObject({ outcome: 'renewed', reason: 'missing' });
    const issued = (await store.readMeta('ari.test'))!;
    expect(issued.ariId).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(issued.profile).toBe('default');

    // Pebble's window for a fresh 90-day certificate lies around day 60: nothing to do.
    const now = new Date();
    const [before] = await renewSites({ sites, store, issuer: ca, now, random: () => 0.5 });
    expect(before).toMatchObject({ outcome: 'not-due', reason: 'valid' });
    const scheduled = (await store.readMeta('ari.test'))!;
    expect(scheduled.ari).toBeDefined();
    const { window, renewAt, nextCheckAt } = scheduled.ari!;
    expect(Date.parse(window.start)).toBeGreaterThan(Date.parse(issued.notBefore) + 55 * 24 * HOUR);
    expect(Date.parse(renewAt)).toBe(Date.parse(window.start) + Math.floor((Date.parse(window.end) - Date.parse(window.start)) / 2));
    // Retry-After: 6 hours.
    expect(Math.abs(Date.parse(nextCheckAt) - (now.getTime() + 6 * HOUR))).toBeLessThan(60_000);

    // The CA moves the window to now; until Retry-After has passed it is not asked again.
    const fullchainPem = await readFile(store.paths('ari.test').fullchain, 'utf8');
    const start = new Date(Date.now() - HOUR);
    const end = new Date(Date.now() + 12 * HOUR);
    await pebble.setRenewalInfo(fullchainPem, JSON.stringify({ suggestedWindow: { start: start.toISOString(), end: end.toISOString() } }));
    const [waiting] = await renewSites({ sites, store, issuer: ca, now: new Date(now.getTime() + HOUR), random: () => 0 });
    expect(waiting).toMatchObject({ outcome: 'not-due', reason: 'valid' });
    expect((await store.readMeta('ari.test'))!.ari!.renewAt).toBe(renewAt);

    // After Retry-After: the new window is read, a moment is picked in it (its start), and that is due.
    const ordersBefore = orderRequests();
    const later = new Date(now.getTime() + 7 * HOUR);
    const [inside] = await renewSites({ sites, store, issuer: ca, now: later, random: () => 0 });
    expect(inside).toMatchObject({ outcome: 'renewed', reason: 'due' });
    expect(orderRequests()).toBe(ordersBefore + 1);
    const renewed = (await store.readMeta('ari.test'))!;
    expect(renewed.serial).not.toBe(issued.serial);
    expect(renewed.ari).toBeUndefined();
    expect(events.filter((event) => event.kind === 'order').at(-1)).toMatchObject({ replaces: issued.ariId, profile: 'default' });
    expect(events.filter((event) => event.kind === 'replaces-refused')).toEqual([]);
    expect(pebble.log()).toMatch(/ARI: order "[^"]+" is a replacement of/);
  });

  it("renews at once when the window's end has passed", async () => {
    const store = new CertificateStore(join(dir, 'past'));
    const sites = [{ domain: 'past.test', altNames: [] }];
    const ca = issuer('default');
    await renewSites({ sites, store, issuer: ca });
    const old = (await store.readMeta('past.test'))!;
    const fullchainPem = await readFile(store.paths('past.test').fullchain, 'utf8');
    await pebble.setRenewalInfo(fullchainPem, JSON.stringify({ suggestedWindow: { start: new Date(Date.now() - 3 * HOUR).toISOString(), end: new Date(Date.now() - 2 * HOUR).toISOString() } }));
    const [result] = await renewSites({ sites, store, issuer: ca, random: () => 0.99 });
    expect(result).toMatchObject({ outcome: 'renewed', reason: 'due' });
    expect((await store.readMeta('past.test'))!.serial).not.toBe(old.serial);
  });

  it('a certificate the CA does not know (another CA): renewalInfo fails, the lifetime rule decides, and replaces is dropped once refused', async () => {
    const store = new CertificateStore(join(dir, 'foreign'));
    const sites = [{ domain: 'foreign.test', altNames: [] }];
    const now = Date.now();
    const other = await generateCertificate({ names: [], commonName: 'another CA', isCa: true, notBefore: new Date(now - 80 * 24 * HOUR), notAfter: new Date(now + 30 * 24 * HOUR) });
    const leaf = await generateCertificate({ names: ['foreign.test'], issuer: other, notBefore: new Date(now - 70 * 24 * HOUR), notAfter: new Date(now + 20 * 24 * HOUR) });
    const stored = await store.save('foreign.test', leaf.keyPem, leaf.certPem, { caDirectoryUrl: pebble.directoryUrl });
    expect(stored.ariId).toBeDefined();
    const events: IssueEvent[] = [];
    const [result] = await renewSites({ sites, store, issuer: issuer('default', events) });
    expect(result).toMatchObject({ outcome: 'renewed', reason: 'due' });
    expect(events.find((event) => event.kind === 'order')).toMatchObject({ replaces: stored.ariId });
    expect(events.map((event) => event.kind)).toContain('replaces-refused');
  });
});

describe('profiles against Pebble 2.10', () => {
  it("a shortlived order yields Pebble's short lifetime (160 hours)", async () => {
    const store = new CertificateStore(join(dir, 'short'));
    const [result] = await renewSites({ sites: [{ domain: 'short.test', altNames: [] }], store, issuer: issuer('shortlived') });
    expect(result).toMatchObject({ outcome: 'renewed' });
    const meta = (await store.readMeta('short.test'))!;
    const lifetime = Date.parse(meta.notAfter) - Date.parse(meta.notBefore);
    expect(Math.abs(lifetime - 160 * HOUR)).toBeLessThanOrEqual(1000);
    expect(meta.profile).toBe('shortlived');
  });

  it('an unknown profile is refused before any order, naming the profiles the CA offers', async () => {
    const store = new CertificateStore(join(dir, 'unknown'));
    const ordersBefore = orderRequests();
    const events: IssueEvent[] = [];
    const [result] = await renewSites({ sites: [{ domain: 'unknown.test', altNames: [] }], store, issuer: issuer('classic', events) });
    expect(result?.outcome).toBe('failed');
    const error = result?.outcome === 'failed' ? result.error : undefined;
    expect(error).toBeInstanceOf(UnknownProfileError);
    expect(error?.message).toMatch(/no profile "classic" \(it offers (default, shortlived|shortlived, default)\)/);
    expect(orderRequests()).toBe(ordersBefore);
    expect(events.filter((event) => event.kind === 'order' || event.kind === 'account')).toEqual([]);
  });

  it('a CA without profiles: asking for one is an error saying it offers none', async () => {
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ newNonce: 'http://127.0.0.1/nonce', newOrder: 'http://127.0.0.1/order', meta: {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const ca = new AcmeIssuer({
        directoryUrl: `http://127.0.0.1:${port}/dir`,
        email: 'ops@a.test',
        accountKeyPem,
        responder: new WebrootResponder(join(dir, 'webroot')),
        preflight: httpPreflight(staticEntryPoints([{ address: '127.0.0.1', port: support.port }]), { attempts: 1 }),
        profile: 'shortlived',
      });
      await expect(ca.checkProfile()).rejects.toThrow(/offers no profiles; remove certificates.profile/);
      expect(await readCaProfiles(`http://127.0.0.1:${port}/dir`)).toEqual({});
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
