import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import type { ApplyEvent } from '../../src/run/index.js';
import type { FakeDigitalOcean } from '../fake-do/index.js';

export const seedConfig = (overrides: Record<string, unknown> = {}): Config => parseConfig({ ...SEED_EXAMPLE, ...overrides });

export const projectDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'swarm-wiz-provision-'));

/** Fast polling for the fake, whose droplets boot in milliseconds. */
export const FAST = { pollIntervalMs: 20, dropletTimeoutMs: 5_000, loadBalancerTimeoutMs: 5_000 };

export function collect(): { events: ApplyEvent[]; onEvent: (e: ApplyEvent) => void } {
  const events: ApplyEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

export const writes = (fake: FakeDigitalOcean, from = 0) => fake.requests.slice(from).filter((r) => r.method !== 'GET');

/** What the fake account holds, in terms a test can compare: droplet names with tags, etc. */
export function holdings(fake: FakeDigitalOcean) {
  return {
    droplets: fake.state.droplets.map((d) => ({ name: d.name, tags: [...d.tags].sort() })).sort((a, b) => a.name.localeCompare(b.name)),
    vpcs: fake.state.vpcs.map((v) => v.name),
    firewalls: fake.state.firewalls.map((f) => f.name).sort(),
    loadBalancers: fake.state.loadBalancers.map((l) => l.name),
  };
}

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `swarm-wiz ARGS` as a real process (only PATH, HOME and `env` in its environment): from the
 * sources through tsx, or the one-file build `bundle` (scripts/bundle.ts; what the support server runs,
 * and much quicker to start). `done` resolves when it exits.
 */
export function startSwarmWiz(args: string[], env: Record<string, string> = {}, bundle?: string): { pid: number; done: Promise<Finished> } {
  const child = spawn(process.execPath, [...(bundle ? [bundle] : ['--import', 'tsx', MAIN]), ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { pid: child.pid!, done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) };
}
