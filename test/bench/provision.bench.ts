import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { runApply } from '../../src/app/index.js';
import { startFakeDigitalOcean } from '../fake-do/index.js';
import { median, type Figure } from './figures.js';

export interface ProvisionSample {
  workers: number;
  droplets: number;
  seconds: number;
  apiCalls: number;
  writeCalls: number;
  callsPerDroplet: number;
}

const BOOT_MS = 2000;
const LATENCY_MS = 50;

/** One full apply of the seed's example with `workers` workers against a fresh fake (2 s boot, 50 ms per call). */
export async function provisionSample(workers: number): Promise<ProvisionSample> {
  const fake = await startFakeDigitalOcean({ activeAfterMs: BOOT_MS, domains: ['a.com', 'b.com', 'c.com'] });
  fake.faults.latencyForAll(LATENCY_MS);
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bench-'));
  try {
    const config = parseConfig({ ...SEED_EXAMPLE, workers, topology: 'manager' });
    const started = performance.now();
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url });
    const seconds = (performance.now() - started) / 1000;
    fake.assertNoViolations();
    const droplets = fake.state.droplets.length;
    const apiCalls = fake.requests.length;
    return { workers, droplets, seconds, apiCalls, writeCalls: fake.requests.filter((r) => r.method !== 'GET').length, callsPerDroplet: apiCalls / droplets };
  } finally {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const ROUNDS = 3;
/** workers → droplets (+ the manager and the support server): the smallest project, 5 and 20 droplets. */
const SIZES = [0, 3, 18];

/** Each size ROUNDS times, alternating (2, 5, 20, 20, 5, 2, …); medians. Time should stay nearly flat: parallel bulk create, one poll per interval. */
export async function provisionBenchmark(): Promise<ProvisionSample[][]> {
  await provisionSample(0); // warm-up: module loading and JIT would otherwise be charged to the first sample
  const samples: ProvisionSample[][] = SIZES.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = SIZES.map((_, i) => i);
    for (const i of round % 2 === 0 ? order : order.reverse()) samples[i]!.push(await provisionSample(SIZES[i]!));
  }
  return samples;
}

export default async function provisionBench(): Promise<Figure[]> {
  const samples = await provisionBenchmark();
  const seconds = samples.map((runs) => median(runs.map((s) => s.seconds)));
  const droplets = samples.map((runs) => runs[0]!.droplets);
  const calls = samples.map((runs) => median(runs.map((s) => s.apiCalls)));
  const how = `fake DigitalOcean API (droplets active ${BOOT_MS / 1000} s after create, ${LATENCY_MS} ms per call), topology manager, median of ${ROUNDS} alternating rounds`;
  const smallest = { name: `apply, ${droplets[0]} droplets (manager + support server)`, value: seconds[0]! };
  return SIZES.map((workers, i) => ({
    name: `apply, ${droplets[i]} droplets (${workers} workers)`,
    value: seconds[i]!,
    unit: 's',
    ...(i > 0 ? { baseline: smallest } : {}),
    ...(i === SIZES.length - 1 ? { target: { text: `≤ 1.3× of ${droplets[0]} droplets`, on: 'ratio' as const, comparator: '<=' as const, limit: 1.3 } } : {}),
    note: `${calls[i]} API calls; ${how}`,
  }));
}
