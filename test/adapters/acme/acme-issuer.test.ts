import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeIssuer } from '../../../src/adapters/acme/acme-issuer.js';
import { loadOrCreateAccountKey } from '../../../src/adapters/acme/account-key.js';
import type { ChallengePreflight } from '../../../src/adapters/acme/challenge-responder.js';
import { AcmeProblemError, CaUnreachableError, ChallengeInvalidError, PreflightError, RateLimitedError } from '../../../src/adapters/acme/errors.js';
import { dnsEntryPoints, staticEntryPoints } from '../../../src/adapters/acme/entry-points.js';
import { httpPreflight } from '../../../src/adapters/acme/preflight.js';
import { WebrootResponder } from '../../../src/adapters/acme/webroot-responder.js';
import { certificateMeta } from '../../../src/adapters/certificate-metadata.js';
import { renewSites } from '../../../src/certs/renew-sites.js';
import { CertificateStore } from '../../../src/adapters/certificate-store.js';
import { startFaultProxy } from '../../certs/fault-proxy.js';
import { startSupportServer, type SupportServer } from '../../certs/support-server.js';
import { startPebble, type PebblePeer } from '../../peers/pebble.js';
import { freePort } from '../../support/net.js';

// Pebble validates http-01 straight against the support server here; the nginx path is in test/certs/e2e-*.
let pebble: PebblePeer;
let support: SupportServer;
let dir: string;
let webroot: string;
let accountKeyPem: string;
const POLL = { minMs: 200, maxMs: 1000, attempts: 20 };

function issuer(overrides: { directoryUrl?: string; preflight?: ChallengePreflight; webroot?: string } = {}): AcmeIssuer {
  return new AcmeIssuer({
    directoryUrl: overrides.directoryUrl ?? pebble.directoryUrl,
    email: 'ops@a.test',
    accountKeyPem,
    agent: pebble.agent,
    responder: new WebrootResponder(overrides.webroot ?? webroot),
    preflight: overrides.preflight ?? httpPreflight(staticEntryPoints([{ address: '127.0.0.1', port: support.port }]), { attempts: 1 }),
    poll: POLL,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-acme-'));
  webroot = join(dir, 'webroot');
  support = await startSupportServer(webroot);
  pebble = await startPebble({ httpPort: support.port });
  const directoryUrl = pebble.directoryUrl;
  accountKeyPem = (await loadOrCreateAccountKey(dir, directoryUrl)).keyPem;
});

afterAll(async () => {
  await pebble?.stop();
  await support?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('AcmeIssuer against Pebble (http-01, real validation)', () => {
  it('issues one certificate for a domain and its alias, the challenge file gone afterwards', async () => {
    const issued = await issuer().issue({ domain: 'one.test', altNames: ['www.one.test'] });
    const meta = certificateMeta(issued.fullchainPem);
    expect(meta.sans.sort()).toEqual(['one.test', 'www.one.test']);
    expect(meta.issuer).toMatch(/Pebble/);
    // The CA's own validation reached the support server, not only swarm-wiz's preflight.
    expect(support.requests.map((request) => request.userAgent)).toContainEqual(expect.not.stringMatching(/^swarm-wiz preflight$/));
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(webroot, '.well-known', 'acme-challenge'))).toEqual([]);
  });

  it('creates the account key once (0600) and reuses it', async () => {
    const first = await loadOrCreateAccountKey(dir, pebble.directoryUrl);
    const again = await loadOrCreateAccountKey(dir, pebble.directoryUrl);
    expect(first.created).toBe(false);
    expect(again.keyPem).toBe(accountKeyPem);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
  });

  it('CA unreachable: a typed error naming the URL, nothing stored changes', async () => {
    const store = new CertificateStore(join(dir, 'unreachable'));
    const issued = await issuer().issue({ domain: 'keep.test', altNames: [] });
    await store.save('keep.test', issued.keyPem, issued.fullchainPem);
    const before = await readFile(store.paths('keep.test').fullchain, 'utf8');
    const closed = `https://127.0.0.1:${await freePort()}/dir`;
    const [result] = await renewSites({ sites: [{ domain: 'keep.test', altNames: [] }], store, issuer: issuer({ directoryUrl: closed }), force: true });
    expect(result?.outcome).toBe('failed');
    const error = result?.outcome === 'failed' ? result.error : undefined;
    expect(error).toBeInstanceOf(CaUnreachableError);
    expect(error?.message).toBe(`cannot reach the CA at ${closed} (ECONNREFUSED: connect ECONNREFUSED ${closed.slice(8, -4)})`);
    expect(await readFile(store.paths('keep.test').fullchain, 'utf8')).toBe(before);
    expect((await store.readRenewal('keep.test'))?.lastError).toBe(error?.message);
  });

  it('challenge unreachable: preflight stops before the CA is asked to validate', async () => {
    const elsewhere = join(dir, 'not-served');
    const asked = support.requests.length;
    const attempt = issuer({ webroot: elsewhere }).issue({ domain: 'unserved.test', altNames: [] });
    await expect(attempt).rejects.toBeInstanceOf(PreflightError);
    await expect(attempt).rejects.toThrow(
      new RegExp(`^http-01 for unserved\\.test is not reachable, so the CA was not asked: http://unserved\\.test/\\.well-known/acme-challenge/[A-Za-z0-9_-]+ through 127\\.0\\.0\\.1:${support.port} answered HTTP 404$`),
    );
    const after = support.requests.slice(asked);
    expect(after.length).toBe(1);
    expect(after.map((request) => request.userAgent)).toEqual(['swarm-wiz preflight']);
  });

  it('a stale AAAA record: the preflight checks IPv6 too (the CA tries it first) and stops', async () => {
    await pebble.challtestsrv.addAaaa('v6.test', ['::1']);
    try {
      const preflight = httpPreflight(dnsEntryPoints({ servers: [pebble.dnsServer], port: support.port }), { attempts: 1 });
      const attempt = issuer({ preflight }).issue({ domain: 'v6.test', altNames: [] });
      await expect(attempt).rejects.toBeInstanceOf(PreflightError);
      await expect(attempt).rejects.toThrow(new RegExp(`through \\[::1\\]:${support.port} \\(IPv6, which the CA tries first\\) (connect )?E[A-Z]+`));
    } finally {
      await pebble.challtestsrv.clearAaaa('v6.test');
    }
  });

  it('invalid challenge: the CA looks elsewhere than our proxy (DNS points away) → ChallengeInvalidError with the CA detail', async () => {
    await pebble.challtestsrv.addA('moved.test', ['127.0.0.9']);
    try {
      const attempt = issuer().issue({ domain: 'moved.test', altNames: [] });
      await expect(attempt).rejects.toBeInstanceOf(ChallengeInvalidError);
      await expect(attempt).rejects.toThrow(/^the CA could not validate http-01 for moved\.test \(connection\): .*127\.0\.0\.9/);
    } finally {
      await pebble.challtestsrv.clearA('moved.test');
    }
  });

  it('429 with Retry-After: a RateLimitedError with the CA message and the retry time, without waiting', async () => {
    const proxy = await startFaultProxy({
      target: pebble.directoryUrl,
      agent: pebble.agent,
      listener: pebble.listenerCertificate(),
      faults: [
        {
          path: /order-plz/,
          status: 429,
          headers: { 'Retry-After': '3600' },
          body: { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many certificates (5) already issued for this exact set of domains in the last 168h0m0s', status: 429 },
        },
      ],
    });
    try {
      const started = Date.now();
      const attempt = issuer({ directoryUrl: proxy.directoryUrl }).issue({ domain: 'limited.test', altNames: [] });
      const error = await attempt.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RateLimitedError);
      const limited = error as RateLimitedError;
      expect(limited.type).toBe('urn:ietf:params:acme:error:rateLimited');
      expect(limited.status).toBe(429);
      expect(limited.retryAfter!.getTime() - started).toBeGreaterThan(3590_000);
      expect(limited.message).toMatch(/^the CA refused \(rateLimited, HTTP 429\): too many certificates \(5\) already issued for this exact set of domains in the last 168h0m0s; retry after \d{4}-\d\d-\d\dT/);
      expect(proxy.faulted).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('AcmeIssuer: the CA goes away mid-order', () => {
  it('a dropped connection (acme-client throws a TypeError) becomes "cannot reach the CA" naming the URL', async () => {
    const proxy = await startFaultProxy({
      target: pebble.directoryUrl,
      agent: pebble.agent,
      listener: pebble.listenerCertificate(),
      faults: [{ path: /order-plz/, status: 'drop' }],
    });
    try {
      const attempt = issuer({ directoryUrl: proxy.directoryUrl }).issue({ domain: 'dropped.test', altNames: [] });
      await expect(attempt).rejects.toBeInstanceOf(CaUnreachableError);
      const origin = new URL(proxy.directoryUrl).origin;
      await expect(attempt).rejects.toThrow(`cannot reach the CA at ${proxy.directoryUrl} (no response from ${origin}/order-plz: the connection failed)`);
    } finally {
      await proxy.close();
    }
  });
});

describe('AcmeIssuer: other CA problems', () => {
  it('a refused identifier comes back as AcmeProblemError with the urn type and the CA detail', async () => {
    const error = await issuer()
      .issue({ domain: 'under_score.test', altNames: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AcmeProblemError);
    expect(error).not.toBeInstanceOf(RateLimitedError);
    const problem = error as AcmeProblemError;
    expect([problem.type, problem.status, problem.retryAfter]).toEqual(['urn:ietf:params:acme:error:malformed', 400, undefined]);
    expect(problem.message).toBe("the CA refused (malformed, HTTP 400): Order included DNS identifier with a value containing an illegal character: '_'");
  });

  it('a wildcard over http-01: stops with what the CA offers instead', async () => {
    await expect(issuer().issue({ domain: 'wild.test', altNames: ['*.wild.test'] })).rejects.toThrow('the CA offers no http-01 challenge for wild.test (offered: dns-01)');
  });
});
