import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { runCli } from '../../src/cli/run-cli.js';
import { parseConfig, saveConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { generateCertificate, type PemPair } from '../../src/certs/x509-generate.js';
import { startProxy, type RunningProxy } from '../peers/nginx.js';
import { testIo } from './test-io.js';

/**
 * `swarm-wiz status --check` on certificates a real nginx serves: one site per case, each with its
 * stored certificate and what nginx serves for its name, checked through the CLI (exit code + lines).
 */
const DAY = 86_400_000;
let dir: string;
let proxy: RunningProxy | undefined;
const now = Date.now();
const CASES = ['fine', 'overdue', 'twothirds', 'differs', 'expired', 'notcovering'] as const;
type Case = (typeof CASES)[number];
const stored = new Map<Case, PemPair>();
const served = new Map<Case, PemPair>();

/** A 90-day certificate issued `age` days ago for `name`. */
const certificate = (name: string, age: number, lifeDays = 90) => generateCertificate({ names: [name], notBefore: new Date(now - age * DAY), notAfter: new Date(now + (lifeDays - age) * DAY) });
const domainOf = (kase: Case) => `${kase}.test`;
const configPath = (kase: Case) => join(dir, `${kase}.yaml`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-status-check-'));
  const ages: Record<Case, number> = { fine: 10, overdue: 70, twothirds: 60.5, differs: 10, expired: 100, notcovering: 10 };
  const store = new CertificateStore(dir);
  for (const kase of CASES) {
    const pair = await certificate(domainOf(kase), ages[kase]);
    stored.set(kase, pair);
    await store.save(domainOf(kase), pair.keyPem, pair.certPem, { names: [domainOf(kase)] });
    served.set(kase, kase === 'differs' ? await certificate(domainOf(kase), 5) : kase === 'notcovering' ? await certificate('other.test', 5) : pair);
    const [site] = SEED_EXAMPLE.sites;
    await saveConfig(configPath(kase), parseConfig({ ...SEED_EXAMPLE, sites: [{ ...site, domain: domainOf(kase) }], certificates: { ...SEED_EXAMPLE.certificates, email: 'ops@a.test' } }));
  }
  const files: Record<string, string> = {};
  const servers = CASES.map((kase) => {
    files[`/etc/nginx/certs/${kase}.crt`] = served.get(kase)!.certPem;
    files[`/etc/nginx/certs/${kase}.key`] = served.get(kase)!.keyPem;
    return `  server { listen 443 ssl; server_name ${domainOf(kase)}; ssl_certificate /etc/nginx/certs/${kase}.crt; ssl_certificate_key /etc/nginx/certs/${kase}.key; return 200 "${kase}\\n"; }`;
  });
  proxy = await startProxy({ nginxConf: ['worker_processes 1;', 'events { worker_connections 64; }', 'http {', ...servers, '}', ''].join('\n'), files, ports: [443] });
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function check(kase: Case, extra: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = testIo({ cwd: dir });
  const code = await runCli(['status', '--check', '--config', configPath(kase), '--dir', dir, '--entry', `127.0.0.1:${proxy!.httpsPort}`, ...extra], run.io);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
/** The stored certificate's dates as the check prints them. */
async function dates(kase: Case): Promise<{ notAfter: string; twoThirds: string }> {
  const meta = (await new CertificateStore(dir).readMeta(domainOf(kase)))!;
  const [start, end] = [Date.parse(meta.notBefore), Date.parse(meta.notAfter)];
  return { notAfter: minute(end), twoThirds: minute(start + ((end - start) * 2) / 3) };
}

describe('swarm-wiz status --check on real served certificates', () => {
  it('fine: exit 0, silent under cron, one line on a terminal or with --verbose', async () => {
    expect(await check('fine')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await check('fine', ['--verbose'])).toEqual({ code: 0, stdout: 'all fine: certificates\n', stderr: '' });
  });

  it('renewal overdue: exit 1', async () => {
    const { notAfter, twoThirds } = await dates('overdue');
    expect(await check('overdue')).toEqual({ code: 1, stdout: `overdue.test: renewal overdue since ${twoThirds}; valid until ${notAfter}\n`, stderr: '' });
  });

  it('past two thirds of its life: exit 1', async () => {
    expect(await check('twothirds')).toEqual({ code: 1, stdout: `twothirds.test: past two thirds of its life; valid until ${(await dates('twothirds')).notAfter}\n`, stderr: '' });
  });

  it('an entry serves another certificate than the stored one: exit 1', async () => {
    const { code, stdout } = await check('differs');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^differs\.test: 127\.0\.0\.1:\d+ serves serial [0-9a-f]+, not the stored [0-9a-f]+\n$/);
  });

  it('expired (stored and served): exit 2', async () => {
    const { code, stdout } = await check('expired');
    const { notAfter } = await dates('expired');
    expect(code).toBe(2);
    expect(stdout.split('\n')).toEqual([`expired.test: expired at ${notAfter}`, expect.stringMatching(new RegExp(`^expired\\.test: 127\\.0\\.0\\.1:\\d+ serves a certificate that expired at ${notAfter}$`)), '']);
  });

  it('an entry serving a certificate that does not cover its domain: exit 2', async () => {
    const { code, stdout } = await check('notcovering');
    expect(code).toBe(2);
    expect(stdout).toMatch(/^notcovering\.test: 127\.0\.0\.1:\d+ serves a certificate for other\.test that does not cover notcovering\.test\n$/);
  });

  it('certs --check --json: the problems and the exit code', async () => {
    const run = testIo({ cwd: dir });
    const code = await runCli(['certs', '--check', '--json', '--config', configPath('notcovering'), '--dir', dir, '--entry', `127.0.0.1:${proxy!.httpsPort}`], run.io);
    expect(code).toBe(2);
    expect(JSON.parse(run.stdout())).toMatchObject({ exitCode: 2, problems: [{ domain: 'notcovering.test', kind: 'not-covering', severity: 'critical' }] });
  });
});
