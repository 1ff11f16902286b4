import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import type { ApplyEvent } from '../../src/run/index.js';
import type { FakeDigitalOcean } from '../fake-do/index.js';
import { tempDir } from '../support/files.js';

export const seedConfig = (overrides: Record<string, unknown> = {}): Config => parseConfig({ ...SEED_EXAMPLE, ...overrides });

export const projectDir = (): Promise<string> => tempDir('provision');

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
