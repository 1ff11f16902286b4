import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { projectStatus } from '../../src/app/project-status.js';
import { runCli } from '../../src/cli/run-cli.js';
import { parseConfig, saveConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import type { StatusSnapshot } from '../../src/status/snapshot.js';
import { testIo } from '../cli/test-io.js';

/**
 * The probes of `swarm-wiz status` against listeners this test starts on 127.0.0.1: a live HTTPS
 * server (serving a.test's stored certificate, b.test another one), a port where nothing listens, and
 * a black hole that accepts TCP and never says a word. Every row answers; the whole is bounded by the
 * probe limit, not by the black hole.
 */
const TIMEOUT_S = 2;
let dir: string;
let config: Config;
let live: HttpsServer;
let blackHole: Server;
const held: Socket[] = [];
let livePort: number;
let deadPort: number;
let holePort: number;

const portOf = (server: Server | HttpsServer): number => {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swz-status-probes-'));
  config = parseConfig({
    ...SEED_EXAMPLE,
    sites: [
      { domain: 'a.test', service: { name: 'service-a', image: 'ghcr.io/me/a:1', port: 5000 } },
      { domain: 'b.test', service: { name: 'service-b', image: 'ghcr.io/me/b:1', port: 5000 } },
    ],
    certificates: { ...SEED_EXAMPLE.certificates, email: 'ops@a.test' },
  });
  await saveConfig(join(dir, 'swarm-wiz.yaml'), config);
  const now = Date.now();
  const store = new CertificateStore(dir);
  const a = await generateCertificate({ names: ['a.test'], notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 60 * 86_400_000) });
  const b = await generateCertificate({ names: ['b.test'], notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 60 * 86_400_000) });
  const bServed = await generateCertificate({ names: ['b.test'], notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 30 * 86_400_000) });
  await store.save('a.test', a.keyPem, a.certPem);
  await store.save('b.test', b.keyPem, b.certPem);
  // a.test gets its stored certificate and 200; b.test another certificate than the stored one, and 503.
  const { createSecureContext } = await import('node:tls');
  live = createHttpsServer(
    { key: a.keyPem, cert: a.certPem, SNICallback: (name, done) => done(null, name === 'b.test' ? createSecureContext({ key: bServed.keyPem, cert: bServed.certPem }) : undefined) },
    (req, res) => {
      res.writeHead(req.headers.host?.split(':')[0] === 'b.test' ? 503 : 200);
      res.end('hello\n');
    },
  );
  await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve));
  livePort = portOf(live);
  blackHole = createTcpServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  holePort = portOf(blackHole);
  // A port that was free a moment ago and is closed again: nothing listens there.
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadPort = portOf(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => live?.close(resolve));
  await new Promise((resolve) => blackHole?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const entries = () => [
  { address: '127.0.0.1', port: livePort },
  { address: '127.0.0.1', port: deadPort },
  { address: '127.0.0.1', port: holePort },
];

describe('status probes', () => {
  it('every entry × every domain: served vs stored serial, HTTP status, refused and black hole marked down, within the probe limit + 1 s', async () => {
    const snapshots: StatusSnapshot[] = [];
    const started = performance.now();
    const final = await projectStatus({ config, dir, entries: entries(), probeTimeoutMs: TIMEOUT_S * 1000, onUpdate: (s) => snapshots.push(s) });
    const elapsed = (performance.now() - started) / 1000;
    console.log(`projectStatus with a black hole, probe limit ${TIMEOUT_S} s: ${elapsed.toFixed(2)} s`);
    expect(elapsed).toBeLessThan(TIMEOUT_S + 1);

    // Rows fill in as answers arrive: first all pending, and the refused port answered before the black hole.
    const firstWithRows = snapshots.find((s) => s.served.length > 0)!;
    expect(firstWithRows.served.map((row) => row.state)).toEqual(Array(6).fill('pending'));
    const deadAnswered = snapshots.findIndex((s) => s.served.some((row) => row.port === deadPort && row.state === 'down'));
    const holeAnswered = snapshots.findIndex((s) => s.served.some((row) => row.port === holePort && row.state === 'down'));
    expect(deadAnswered).toBeGreaterThan(-1);
    expect(holeAnswered).toBeGreaterThan(deadAnswered);

    const stored = new CertificateStore(dir);
    const aSerial = (await stored.readMeta('a.test'))!.serial;
    const bSerial = (await stored.readMeta('b.test'))!.serial;
    const row = (port: number, domain: string) => final.served.find((r) => r.port === port && r.domain === domain)!;
    expect(row(livePort, 'a.test')).toMatchObject({ state: 'ok', serial: aSerial, storedSerial: aSerial, matches: true, httpStatus: 200, trusted: false, pending: [] });
    expect(row(livePort, 'b.test')).toMatchObject({ state: 'mismatch', storedSerial: bSerial, matches: false, httpStatus: 503 });
    expect(row(livePort, 'b.test').serial).not.toBe(bSerial);
    for (const domain of ['a.test', 'b.test']) {
      expect(row(deadPort, domain)).toMatchObject({ state: 'down', error: 'connection refused', pending: [] });
      expect(row(holePort, domain)).toMatchObject({ state: 'down', pending: [] });
      expect(row(holePort, domain).error).toMatch(/^timed out/);
    }
    // Nothing deployed here: the cluster is said to be unreachable, the probes ran all the same.
    expect(final.cluster).toEqual({ state: 'unreachable', error: 'demo is not deployed' });
    expect(final.certificates?.map((c) => [c.domain, c.health])).toEqual([
      ['a.test', 'ok'],
      ['b.test', 'ok'],
    ]);
  });

  it('status --json through the CLI: returns within --timeout + 1 s with the black hole marked down, exit 1', async () => {
    const run = testIo({ cwd: dir });
    const args = ['status', '--json', '--dir', dir, '--timeout', String(TIMEOUT_S), ...entries().flatMap((e) => ['--entry', `${e.address}:${e.port}`])];
    const started = performance.now();
    const code = await runCli(args, run.io);
    const elapsed = (performance.now() - started) / 1000;
    console.log(`status --json --timeout ${TIMEOUT_S} with a black hole: ${elapsed.toFixed(2)} s, exit ${code}`);
    expect(elapsed).toBeLessThan(TIMEOUT_S + 1);
    expect(code).toBe(1);
    expect(run.stderr()).toBe('status: 6 problems\n');
    const json = JSON.parse(run.stdout()) as { ok: boolean; served: Record<string, unknown>[]; problems: string[] };
    expect(json.ok).toBe(false);
    expect(json.served.find((r) => r.port === holePort && r.domain === 'a.test')).toMatchObject({ entry: `127.0.0.1:${holePort}`, state: 'down', error: `timed out: no TLS answer within ${TIMEOUT_S} s` });
    expect(json.served.filter((r) => 'pending' in r)).toEqual([]);
    expect(json.problems).toContain(`a.test at 127.0.0.1:${holePort}: down (timed out: no TLS answer within ${TIMEOUT_S} s)`);
  });

  it('--watch on a terminal: rounds redrawn in place (no screen clearing) until Ctrl-C; the exit code is the last round\'s', async () => {
    // Ink draws every frame only outside CI (is-in-ci, read when Ink is first loaded, which is here):
    // CI runs this suite with CI=true, and a person's terminal has no CI variable.
    const ci = process.env.CI;
    process.env.CI = 'false';
    onTestFinished(() => {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    });
    const run = testIo({ cwd: dir, isTTY: true });
    const done = runCli(['status', '--dir', dir, '--watch', '0.2', '--timeout', '1', '--entry', `127.0.0.1:${livePort}`, '--entry', `127.0.0.1:${deadPort}`], run.io);
    // Three rounds: each ends with its answers in; the title's time changes per round.
    const rounds = () => new Set([...run.stdout().matchAll(/status as of (\S+ \S+) UTC/g)].map((match) => match[1])).size;
    for (let i = 0; i < 200 && rounds() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rounds()).toBeGreaterThanOrEqual(2);
    process.kill(process.pid, 'SIGINT');
    expect(await done).toBe(1);
    expect(run.stderr()).toBe('status: 4 problems\n');
    const out = run.stdout();
    expect(out).toContain('refreshing every 0.2 s · Ctrl-C to stop');
    // Redrawn by moving the cursor up over the last frame (Ink's log-update), never by clearing the screen.
    expect(out).toContain('\u001b[1A');
    for (const clear of ['\u001b[2J', '\u001b[3J', '\u001bc']) expect(out).not.toContain(clear);
  });

  it('bad flags: exit 2 naming the flag', async () => {
    for (const [flag, value, message] of [
      ['--timeout', '0', '--timeout "0" is not a number of seconds (more than 0, at most 300)'],
      ['--timeout', 'soon', '--timeout "soon" is not a number of seconds (more than 0, at most 300)'],
      ['--target', 'mars', '--target "mars" is not a target (one of digitalocean, local)'],
    ] as const) {
      const run = testIo({ cwd: dir });
      expect(await runCli(['status', '--dir', dir, flag, value], run.io)).toBe(2);
      expect(run.stderr()).toBe(`${message}\n`);
    }
    const run = testIo({ cwd: dir });
    expect(await runCli(['status', '--dir', dir, '--watch'], run.io)).toBe(2);
    expect(run.stderr()).toContain('--watch redraws the screen in place and needs a terminal');
  });
});
