/**
 * What a sandbox test needs around `sandbox up`: swarm-wiz run in the operator namespace with the
 * sandbox's environment, curl there (names resolve through challtestsrv, certificates checked against
 * Pebble's root), the fake account's state, the machine each droplet runs on, commands inside a
 * machine, and Pebble's management API (a certificate's renewal window).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import YAML from 'yaml';
import { runArgv } from '../peers/tools.js';
import { swarmWiz, type Finished } from '../support/cli.js';
import { execInMachine, readOr, type MachineExecOptions } from './cluster.js';
import type { Binding } from './machines.js';
import type { LoadBalancerStatus } from './load-balancer.js';
import { parseEnvLines, SANDBOX_BACKEND_PORT, SANDBOX_IMAGES, type SandboxInfo } from './sandbox-env.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/** A swarm-wiz run in the operator namespace, and how long it took. */
export interface Run extends Finished {
  ms: number;
}

export interface SandboxClient {
  dir: string;
  env: Record<string, string>;
  info: SandboxInfo;
  /** `swarm-wiz ARGS` in the operator namespace (its own project folder), CI=false; no stdin unless given. */
  swarmWiz(projectDir: string, args: readonly string[], stdin?: string): Promise<Run>;
  /** curl in the operator namespace: the name resolves through the sandbox's DNS, TLS checked against Pebble's root. */
  get(url: string, options?: { timeoutSeconds?: number; http1?: boolean }): Promise<{ ok: boolean; body: string; error: string }>;
  /** Any argv in the operator namespace. */
  inOperator(argv: readonly string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The fake account as the API holds it. */
  fakeState(): Promise<{ droplets: { id: number; name: string; status: string; networks: { v4: { ip_address: string; type: string }[] } }[]; loadBalancers: { ip: string }[] }>;
  bindings(): Promise<Binding[]>;
  /** A new project folder with this config written as swarm-wiz.yaml. */
  project(config: Record<string, unknown>): Promise<string>;
}

/** A run that must have succeeded; when it did not, the assertion shows the end of its output. */
export function expectOk(run: { code: number | null; stdout: string; stderr: string }, what: string): void {
  expect(run.code, `${what} failed (exit ${run.code}):\n${run.stdout.slice(-6000)}\n${run.stderr.slice(-3000)}`).toBe(0);
}

/** The machine a droplet runs on now (bindings.json); an error when it is on none. */
export async function bindingOf(client: SandboxClient, droplet: string): Promise<Binding> {
  const found = (await client.bindings()).find((b) => b.droplet === droplet);
  if (!found) throw new Error(`${droplet} is on no machine`);
  return found;
}

/** The environment Debian's cron gives root's jobs (for `inMachine(…, ['sh', '-c', line], { env: CRON_JOB_ENV })`). */
export const CRON_JOB_ENV: Readonly<Record<string, string>> = { PATH: '/usr/bin:/bin', HOME: '/root', SHELL: '/bin/sh', LOGNAME: 'root' };

/**
 * Runs an argv inside a sandbox machine (by machine name, e.g. a binding's `machine`): its network
 * (no route out), mount and UTS namespaces, as an SSH session or a cron job there sees them. With
 * `env`, exactly that environment (e.g. CRON_JOB_ENV); bounded by `timeoutMs` (default 60 s).
 */
export async function inMachine(info: SandboxInfo, machine: string, argv: readonly string[], options: MachineExecOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const found = info.machines.find((candidate) => candidate.name === machine);
  if (!found) throw new Error(`no machine ${machine} in the sandbox (it has ${info.machines.map((m) => m.name).join(', ')})`);
  const holderPid = Number(readOr(join(found.dir, 'holder.pid')).trim());
  if (!(holderPid > 0)) throw new Error(`${machine} has no holder process (is the sandbox up?)`);
  return execInMachine(holderPid, argv, options);
}

/**
 * Moves the renewal window Pebble's renewalInfo answers for a certificate it issued (PEM, a full chain
 * is fine): its management API, reached inside the operator namespace (curl, at most 10 s).
 */
export async function setRenewalWindow(info: SandboxInfo, certificatePem: string, window: { start: Date; end: Date }): Promise<void> {
  const ariResponse = JSON.stringify({ suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() } });
  const body = JSON.stringify({ Certificate: certificatePem, ARIResponse: ariResponse });
  const answer = await runArgv(
    'ip',
    ['netns', 'exec', info.operatorNetns, 'curl', '-sS', '--fail-with-body', '--max-time', '5', '--cacert', info.listenerCaFile, '--data-binary', '@-', `${info.caManagementUrl}/set-renewal-info/`],
    { timeout: 10_000, input: body },
  );
  if (answer.code !== 0) throw new Error(`pebble /set-renewal-info/ failed (curl exit ${answer.code}): ${answer.stdout.trim()} ${answer.stderr.trim()}`);
}

export function siteConfig(letters: readonly string[]): Record<string, unknown>[] {
  return letters.map((letter) => ({
    domain: `${letter}.test`,
    service: { name: `site-${letter}`, image: `sandbox/site-${letter}`, port: SANDBOX_BACKEND_PORT },
  }));
}

export async function sandboxClient(dir: string): Promise<SandboxClient> {
  const env = parseEnvLines(await readFile(join(dir, 'env'), 'utf8'));
  const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as SandboxInfo;
  const inOperator = (argv: readonly string[], timeoutMs = 60_000) => runArgv('ip', ['netns', 'exec', info.operatorNetns, ...argv], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return {
    dir,
    env,
    info,
    inOperator,
    swarmWiz: async (projectDir, args, stdin) => {
      const started = Date.now();
      const run = await swarmWiz([...args, '--dir', projectDir], { via: ['ip', 'netns', 'exec', info.operatorNetns], cwd: ROOT, env: { CI: 'false', ...env }, ...(stdin === undefined ? {} : { stdin }) });
      return { ...run, ms: Date.now() - started };
    },
    get: async (url, { timeoutSeconds = 3, http1 = false } = {}) => {
      const result = await inOperator(['curl', '-sS', ...(http1 ? ['--http1.1'] : []), '--max-time', String(timeoutSeconds), '--cacert', info.caRootFile, url], (timeoutSeconds + 5) * 1000);
      return { ok: result.code === 0, body: result.stdout.trim(), error: result.stderr.trim() };
    },
    fakeState: async () => {
      const result = await inOperator(['curl', '-sS', '--max-time', '5', `${info.apiUrl}/__fake/state`]);
      if (result.code !== 0) throw new Error(`the fake's state: ${result.stderr}`);
      return JSON.parse(result.stdout) as Awaited<ReturnType<SandboxClient['fakeState']>>;
    },
    bindings: async () => JSON.parse(await readFile(join(dir, 'bindings.json'), 'utf8')) as Binding[],
    project: async (config) => {
      const projectDir = await mkdtemp(join(tmpdir(), 'swz-sandbox-project-'));
      const full = {
        region: 'fra1',
        size: 's-1vcpu-2gb',
        certificates: { email: 'ops@a.test', ca: env.SANDBOX_CA_URL, challenge: 'http-01', delivery: 'files' },
        proxy: { image: SANDBOX_IMAGES.proxy },
        ...config,
      };
      await writeFile(join(projectDir, 'swarm-wiz.yaml'), YAML.stringify(full));
      return projectDir;
    },
  };
}

/**
 * Requests against every URL, one after another, until stopped; each outcome with its time.
 * Bounded: at most `maxRequests`, and each request times out after 3 s. HTTP/1.1: see the closing
 * note of issue 8 on HTTP/2 clients during a reload.
 */
export function requestLoop(client: SandboxClient, urls: readonly string[], maxRequests = 2000): { stop(): Promise<{ at: number; url: string; ok: boolean; error: string }[]> } {
  const outcomes: { at: number; url: string; ok: boolean; error: string }[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped && i < maxRequests; i++) {
      const url = urls[i % urls.length]!;
      const reply = await client.get(url, { http1: true });
      outcomes.push({ at: Date.now(), url, ok: reply.ok, error: reply.ok ? '' : reply.error });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return outcomes;
    },
  };
}

/** The job line of a crontab and the variables it sets (what cron would run, with which environment). */
export function cronJob(crontab: string): { env: Record<string, string>; command: string } {
  const env: Record<string, string> = {};
  let command = '';
  for (const line of crontab.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const variable = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (variable) env[variable[1]!] = variable[2]!;
    else command = line.trim().split(/\s+/).slice(5).join(' ');
  }
  return { env, command };
}

/** A call to the fake DigitalOcean API (curl in the operator namespace, at most 5 s): its status and JSON answer. */
export async function fakeApi(client: SandboxClient, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const { apiUrl, token } = client.info;
  const data = body === undefined ? [] : ['-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body)];
  const result = await client.inOperator(['curl', '-sS', '--max-time', '5', '-X', method, '-H', `Authorization: Bearer ${token}`, ...data, '-w', '\n%{http_code}', `${apiUrl}${path}`]);
  if (result.code !== 0) throw new Error(`${method} ${path}: ${result.stderr}`);
  const lines = result.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n').trim();
  return { status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The serial (as the store writes it: lower-case hex, no leading zeros) of the certificate an address serves for a name, seen from the operator. */
export async function servedSerialAt(client: SandboxClient, address: string, servername: string): Promise<string> {
  const script = 'openssl s_client -connect "$1:443" -servername "$2" </dev/null 2>/dev/null | openssl x509 -noout -serial';
  const run = await client.inOperator(['timeout', '10', 'sh', '-c', script, 'sh', address, servername]);
  return run.stdout.trim().replace(/^serial=/, '').toLowerCase().replace(/^0+(?=.)/, '');
}

/** What the sandbox's load balancer reports (it writes its state next to its config in the sandbox's folder `dir`). */
export async function loadBalancerStatus(dir: string): Promise<LoadBalancerStatus> {
  return JSON.parse(await readFile(join(dir, 'load-balancer', 'status.json'), 'utf8').catch(() => '{"targets":[]}')) as LoadBalancerStatus;
}
