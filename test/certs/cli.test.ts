import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveConfig } from '../../src/config/index.js';
import { runCli } from '../../src/cli/run-cli.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { testIo } from '../cli/test-io.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { freePort } from '../support/net.js';
import { seedConfigUnderTest } from './harness.js';
import { startSupportServer, type SupportServer } from './support-server.js';

let dir: string;
let pebble: PebblePeer;
let support: SupportServer;
let caCert: string;
let configPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-cli-certs-'));
  support = await startSupportServer(join(dir, 'acme-webroot'));
  pebble = await startPebble({ httpPort: support.port });
  caCert = join(dir, 'pebble-listener-ca.pem');
  await writeFile(caCert, pebble.listenerCaPem);
  configPath = join(dir, 'swarm-wiz.yaml');
  await saveConfig(configPath, seedConfigUnderTest(pebble.directoryUrl));
});

afterAll(async () => {
  await pebble?.stop();
  await support?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const renewArgs = () => ['renew', '--config', configPath, '--entry', `127.0.0.1:${support.port}`, '--ca-cert', caCert];

describe('swarm-wiz renew and swarm-wiz certs', () => {
  it('renew issues what is missing (exit 0), says how to roll them out when swarm-wiz did not deploy the project; a second run is silent under cron', async () => {
    const first = testIo({ cwd: dir });
    const code = await runCli(renewArgs(), first.io);
    expect(first.stderr()).toBe('');
    expect(code).toBe(0);
    const lines = first.stdout().trim().split('\n');
    expect(lines.slice(0, 3).map((line) => line.replace(/serial [0-9a-f]+/, 'serial S').replace(/\d{4}-\d\d-\d\d/, 'DATE'))).toEqual([
      'a.test: renewed (missing); valid until DATE, serial S',
      'b.test: renewed (missing); valid until DATE, serial S',
      'c.test: renewed (missing); valid until DATE, serial S',
    ]);
    expect(lines.slice(3)).toEqual([
      'Wrote proxy/certs/ for a.test, b.test, c.test.',
      'This project was not deployed by swarm-wiz: the proxy keeps serving the previous certificates until you roll the new ones out (support/deploy_stack.sh for delivery: secrets, support/build_proxy.sh for image). A project deployed with swarm-wiz apply reloads them itself.',
    ]);
    expect(await readFile(join(dir, 'proxy', 'certs', 'b.test', 'fullchain.pem'), 'utf8')).toBe((await new CertificateStore(dir).read('b.test'))?.fullchainPem);
    expect(first.stderr()).toBe('');

    const again = testIo({ cwd: dir });
    expect(await runCli(renewArgs(), again.io)).toBe(0);
    expect(again.stdout()).toBe('');
    const chatty = testIo({ cwd: dir });
    expect(await runCli([...renewArgs(), '--verbose'], chatty.io)).toBe(0);
    expect(chatty.stdout()).toMatch(/^a\.test: not due \(renews from \d{4}-\d\d-\d\d\)\n/);
    expect(chatty.stdout()).toMatch(/Nothing to renew\.\n$/);
  });

  it('renew exits 1 with one line naming the domain and the reason; the stored certificate stays', async () => {
    const store = new CertificateStore(dir);
    const before = await readFile(store.paths('a.test').fullchain, 'utf8');
    const broken = join(dir, 'broken.yaml');
    const closed = `https://127.0.0.1:${await freePort()}/dir`;
    await saveConfig(broken, seedConfigUnderTest(closed));
    const run = testIo({ cwd: dir });
    expect(await runCli(['renew', '--config', broken, '--dir', dir, '--force', '--domain', 'a.test', '--entry', `127.0.0.1:${support.port}`], run.io)).toBe(1);
    expect(run.stderr()).toBe(`renew failed for a.test: cannot reach the CA at ${closed} (ECONNREFUSED: connect ECONNREFUSED ${closed.slice(8, -4)})\n`);
    expect(await readFile(store.paths('a.test').fullchain, 'utf8')).toBe(before);
  });

  it('renew --json: one object per site; a failure carries the error class and message', async () => {
    const broken = join(dir, 'broken-json.yaml');
    const closed = `https://127.0.0.1:${await freePort()}/dir`;
    await saveConfig(broken, seedConfigUnderTest(closed));
    const run = testIo({ cwd: dir });
    expect(await runCli(['renew', '--config', broken, '--dir', join(dir, 'json-run'), '--json', '--entry', `127.0.0.1:${support.port}`], run.io)).toBe(1);
    const results = JSON.parse(run.stdout()) as Record<string, unknown>[];
    expect(results.map((result) => [result.domain, result.outcome, result.reason])).toEqual([
      ['a.test', 'failed', 'missing'],
      ['b.test', 'failed', 'missing'],
      ['c.test', 'failed', 'missing'],
    ]);
    expect(results[1]).toMatchObject({ error: 'CaUnreachableError', message: expect.stringMatching(/^cannot reach the CA at https:\/\/127\.0\.0\.1:\d+\/dir \(ECONNREFUSED/) });
    expect(run.stderr().trim().split('\n')).toHaveLength(3);
  });

  it('renew with dns-01 and no DIGITALOCEAN_TOKEN exits 2 saying what to set', async () => {
    const dns = join(dir, 'dns.yaml');
    await saveConfig(dns, seedConfigUnderTest(pebble.directoryUrl, 'dns-01'));
    const run = testIo({ cwd: dir });
    expect(await runCli(['renew', '--config', dns, '--dir', dir], run.io)).toBe(2);
    expect(run.stderr()).toBe('certificates.challenge is dns-01: set DIGITALOCEAN_TOKEN so swarm-wiz can create the TXT records\n');
  });

  it('renew exits 2 on an invalid config, naming the key', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, (await readFile(configPath, 'utf8')).replace('challenge: http-01', 'challenge: http-02'));
    const run = testIo({ cwd: dir });
    expect(await runCli(['renew', '--config', bad], run.io)).toBe(2);
    expect(run.stderr()).toContain('certificates.challenge: "http-02" is not valid (one of http-01, dns-01)');
  });

  it('certs --json lists each site with issuer, SANs, dates, last error and the live check', async () => {
    const closedPort = await freePort();
    const run = testIo({ cwd: dir });
    expect(await runCli(['certs', '--config', configPath, '--json', '--entry', `127.0.0.1:${closedPort}`], run.io)).toBe(0);
    const rows = JSON.parse(run.stdout()) as { domain: string; health: string; meta: { issuer: string; sans: string[] }; nextRenewal: string; lastError?: string; live: { error?: string; matchesStored: boolean }[] }[];
    expect(rows.map((row) => [row.domain, row.health])).toEqual([
      ['a.test', 'ok'],
      ['b.test', 'ok'],
      ['c.test', 'ok'],
    ]);
    expect(rows[0]?.meta.sans.sort()).toEqual(['a.test', 'www.a.test']);
    expect(rows[0]?.meta.issuer).toMatch(/^Pebble Intermediate CA/);
    expect(rows[0]?.lastError).toMatch(/^cannot reach the CA at/);
    expect(rows[1]?.lastError).toBeUndefined();
    expect(rows[0]?.live).toEqual([{ address: '127.0.0.1', port: closedPort, error: 'ECONNREFUSED', matchesStored: false }]);
  });

  it('certs without probing says only what the store knows', async () => {
    const run = testIo({ cwd: dir });
    expect(await runCli(['certs', '--config', configPath, '--no-probe'], run.io)).toBe(0);
    // a.test's renewal failed in an earlier test: its last error stays visible even though its certificate is valid.
    expect(run.stdout()).toContain('last error: cannot reach the CA at');
    expect(run.stdout()).toContain('1 of 3 sites need attention.\n');
    expect(run.stdout()).not.toContain('serves');
  });

  it('certs shows the screen; exit 1 when a site has no certificate', async () => {
    const empty = join(dir, 'empty');
    const run = testIo({ cwd: dir });
    expect(await runCli(['certs', '--config', configPath, '--dir', empty, '--no-probe'], run.io)).toBe(1);
    expect(run.stdout()).toMatch(/^Certificates as of \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(run.stdout()).toContain('a.test + www.a.test not issued');
    expect(run.stderr()).toBe('no valid certificate for a.test (missing), b.test (missing), c.test (missing)\n');
  });
});
