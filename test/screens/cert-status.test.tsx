import { mkdtemp, rm } from 'node:fs/promises';
import { createSecureContext, createServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CertStatusScreen } from '../../screens/cert-status.js';
import { AcmeIssuer } from '../../src/adapters/acme/acme-issuer.js';
import { loadOrCreateAccountKey } from '../../src/adapters/acme/account-key.js';
import { staticEntryPoints } from '../../src/adapters/acme/entry-points.js';
import { httpPreflight } from '../../src/adapters/acme/preflight.js';
import { WebrootResponder } from '../../src/adapters/acme/webroot-responder.js';
import { certificateStatus } from '../../src/certs/cert-status.js';
import { ensurePlaceholders } from '../../src/certs/placeholder.js';
import { renewSites } from '../../src/certs/renew-sites.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { startSupportServer } from '../certs/support-server.js';
import { startPebble } from '../peers/pebble.js';
import { freePort } from '../support/net.js';

// Colours are part of what the screen says (green valid, yellow due, red missing): vi.hoisted runs
// before the imports above, so chalk (inside Ink) sees colour forced on.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

type Peer = Awaited<ReturnType<typeof startPebble>>;
let dir: string;
let pebble: Peer;
let support: Awaited<ReturnType<typeof startSupportServer>>;
let tlsServer: Server;
let tlsPort: number;
const DAY = 86_400_000;
const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';
const RED = '\u001b[31m';
const MAGENTA = '\u001b[35m';

const sites = [
  { domain: 'a.test', altNames: ['www.a.test'] },
  { domain: 'b.test', altNames: [] },
  { domain: 'c.test', altNames: [] },
  { domain: 'd.test', altNames: [] },
  { domain: 'e.test', altNames: [] },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-cert-screen-'));
  support = await startSupportServer(join(dir, 'webroot'));
  pebble = await startPebble({ httpPort: support.port });
  const store = new CertificateStore(dir);
  const issuer = new AcmeIssuer({
    directoryUrl: pebble.directoryUrl,
    email: 'ops@a.test',
    accountKeyPem: (await loadOrCreateAccountKey(dir, pebble.directoryUrl)).keyPem,
    agent: pebble.agent,
    responder: new WebrootResponder(join(dir, 'webroot')),
    preflight: httpPreflight(staticEntryPoints([{ address: '127.0.0.1', port: support.port }]), { attempts: 1 }),
    poll: { minMs: 200, maxMs: 1000, attempts: 20 },
  });
  // a.test and b.test: real certificates from Pebble. c.test: due (synthetic, 10 of 90 days left), d.test: placeholder, e.test: nothing.
  await renewSites({ sites: sites.slice(0, 2), store, issuer });
  const now = Date.now();
  const due = await generateCertificate({ names: ['c.test'], notBefore: new Date(now - 80 * DAY), notAfter: new Date(now + 10 * DAY + 3_600_000) });
  await store.save('c.test', due.keyPem, due.certPem);
  await store.writeRenewal('c.test', { lastAttemptAt: new Date(now).toISOString(), lastError: 'the CA refused (rateLimited, HTTP 429): too many certificates', retryAfter: '2026-12-01T00:00:00.000Z' });
  await ensurePlaceholders(store, [sites[3]!]);

  // The "live" endpoint serves a.test's stored certificate and, for any other name, b.test's.
  const a = (await store.read('a.test'))!;
  const b = (await store.read('b.test'))!;
  tlsServer = createServer({
    key: b.keyPem,
    cert: b.fullchainPem,
    SNICallback: (name, done) => done(null, name === 'a.test' ? createSecureContext({ key: a.keyPem, cert: a.fullchainPem }) : undefined),
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const address = tlsServer.address();
  tlsPort = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (tlsServer ? tlsServer.close(() => resolve()) : resolve()));
  await pebble?.stop();
  await support?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('CertStatusScreen on real certificates from Pebble', () => {
  it('shows per site: names, issuer, coloured days left, next renewal, last error, and what the endpoint serves', async () => {
    const closed = await freePort();
    const now = new Date();
    const rows = await certificateStatus({
      sites,
      store: new CertificateStore(dir),
      now,
      ca: await pebble.issuingRootPem(),
      entryPoints: async (domain) => (domain === 'e.test' ? [{ address: '127.0.0.1', port: closed }] : [{ address: '127.0.0.1', port: tlsPort }]),
    });
    const { lastFrame, unmount } = render(<CertStatusScreen rows={rows} now={now} />);
    const frame = lastFrame() ?? '';
    unmount();
    const plain = stripVTControlCharacters(frame);
    // Each site is a block after an empty line, starting with its domain.
    const blocks: string[] = [];
    let current: string[] = [];
    for (const line of frame.split('\n')) {
      if (stripVTControlCharacters(line).trim() !== '') current.push(line);
      else if (current.length > 0) {
        blocks.push(current.join('\n'));
        current = [];
      }
    }
    blocks.push(current.join('\n'));
    const block = (domain: string) => blocks.find((text) => stripVTControlCharacters(text).startsWith(`${domain} `)) ?? '';

    expect(plain).toMatch(/^Certificates as of \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const a = rows[0]!;
    expect(plain).toContain(`a.test + www.a.test valid`);
    // (Ink wraps at the test terminal's 100 columns.)
    expect(plain.replace(/\s+/g, ' ')).toContain(`${a.meta!.issuer} · ${a.daysLeft} days left · until ${a.meta!.notAfter.slice(0, 10)} · renews from ${a.nextRenewal!.slice(0, 10)} (a third of its lifetime left)`);
    expect(a.renewalBasis).toBe('lifetime');
    expect(plain).toMatch(/covers (a\.test, www\.a\.test|www\.a\.test, a\.test)/);
    expect(plain).toContain(`serves 127.0.0.1:${tlsPort} serial ${a.meta!.serial.slice(0, 16)}`);
    expect(block('a.test')).toContain(`${GREEN}${a.daysLeft} days left`);
    expect(block('a.test')).toContain(`${GREEN}= stored`);
    expect(block('a.test')).not.toContain('not trusted');

    // b.test is served by the same endpoint for its own name: matches. c.test gets b.test's certificate: does not.
    expect(block('b.test')).toContain(`${GREEN}= stored`);
    expect(block('c.test')).toContain(`${YELLOW}renewal due`);
    expect(block('c.test')).toContain(`${YELLOW}10 days left`);
    expect(block('c.test')).toContain(`${YELLOW}≠ stored`);
    // The error line may wrap at the terminal width.
    expect(plain.replace(/\s*\n\s*/g, ' ')).toContain('last error: the CA refused (rateLimited, HTTP 429): too many certificates (retry after 2026-12-01T00:00:00.000Z)');
    expect(block('c.test')).toContain(RED);

    expect(block('d.test')).toContain(`${MAGENTA}placeholder`);
    expect(plain).toMatch(/d\.test placeholder\n\s+d\.test · \d+ days left · until \d{4}-\d\d-\d\d · replaced at the next renewal/);

    expect(block('e.test')).toContain(`${RED}not issued`);
    expect(plain).toContain(`serves 127.0.0.1:${closed} unreachable: ECONNREFUSED`);
    expect(plain).toContain('3 of 5 sites need attention.');
  });

  it('says so in green when everything is valid and served', async () => {
    const now = new Date();
    const rows = await certificateStatus({ sites: sites.slice(1, 2), store: new CertificateStore(dir), now, ca: await pebble.issuingRootPem(), entryPoints: async () => [{ address: '127.0.0.1', port: tlsPort }] });
    expect(rows[0]?.live[0]).toMatchObject({ trusted: true, matchesStored: true });
    const { lastFrame, unmount } = render(<CertStatusScreen rows={rows} now={now} />);
    const frame = lastFrame() ?? '';
    unmount();
    expect(frame).toContain(`${GREEN}All 1 certificates valid and served.`);
    const storeOnly = render(<CertStatusScreen rows={rows.map((row) => ({ ...row, live: [] }))} now={now} />);
    expect(storeOnly.lastFrame()).toContain(`${GREEN}All 1 certificates valid.`);
    storeOnly.unmount();
  });

  it("says when the date is the CA's window (ARI) rather than the lifetime rule", async () => {
    const now = new Date();
    const [row] = await certificateStatus({ sites: sites.slice(1, 2), store: new CertificateStore(dir), now });
    const start = new Date(now.getTime() + 10 * 86_400_000).toISOString();
    const end = new Date(now.getTime() + 11 * 86_400_000).toISOString();
    const ari = { window: { start, end }, renewAt: start, nextCheckAt: end };
    // The same certificate as renew leaves it after reading the CA's window (meta.ari set).
    class Scheduled extends CertificateStore {
      override async readMeta() {
        return { ...row!.meta!, ari };
      }
    }
    const [scheduled] = await certificateStatus({ sites: sites.slice(1, 2), store: new Scheduled(dir), now });
    expect(scheduled).toMatchObject({ nextRenewal: start, renewalBasis: 'ari' });
    const { lastFrame, unmount } = render(<CertStatusScreen rows={[scheduled!]} now={now} />);
    expect(stripVTControlCharacters(lastFrame() ?? '').replace(/\s+/g, ' ')).toContain(`renews from ${start.slice(0, 10)} (the CA's window)`);
    unmount();
  });
});
