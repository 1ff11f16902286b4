import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { runApply } from '../../src/app/index.js';
import { startFakeDigitalOcean } from '../fake-do/index.js';
import type { Measurement } from './run.js';

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

/** 1 vs 20 workers: time should stay nearly flat (parallel bulk create, one poll per interval), calls grow by a small constant. */
export async function provisionBenchmark(): Promise<{ samples: ProvisionSample[]; timeRatio: number; extraCallsPerExtraDroplet: number }> {
  await provisionSample(1); // warm-up: module loading and JIT would otherwise be charged to the first sample
  const one = await provisionSample(1);
  const twenty = await provisionSample(20);
  const timeRatio = twenty.seconds / one.seconds;
  const extraCallsPerExtraDroplet = (twenty.apiCalls - one.apiCalls) / (twenty.droplets - one.droplets);
  const table = [one, twenty].map((s) => ({
    workers: s.workers,
    droplets: s.droplets,
    seconds: Number(s.seconds.toFixed(2)),
    'API calls': s.apiCalls,
    'write calls': s.writeCalls,
    'calls per droplet': Number(s.callsPerDroplet.toFixed(2)),
  }));
  console.log(`provisioning against the fake DigitalOcean (boot ${BOOT_MS} ms, ${LATENCY_MS} ms per API call, default poll interval)`);
  console.table(table);
  console.log(`time 20 workers / 1 worker: ${timeRatio.toFixed(2)}× (target ≤ 1.3×); extra API calls per extra droplet: ${extraCallsPerExtraDroplet.toFixed(2)}`);
  return { samples: [one, twenty], timeRatio, extraCallsPerExtraDroplet };
}

/** Merges this benchmark's numbers into bench-results.json at the repo root (other benchmarks keep theirs). */
async function recordResults(results: Awaited<ReturnType<typeof provisionBenchmark>>): Promise<string> {
  const path = join(import.meta.dirname, '..', '..', 'bench-results.json');
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    existing = {};
  }
  await writeFile(path, `${JSON.stringify({ ...existing, provision: { at: new Date().toISOString(), ...results } }, null, 2)}\n`);
  return path;
}

export default async function provisionBench(): Promise<Measurement[]> {
  const results = await provisionBenchmark();
  const path = await recordResults(results);
  console.log(`wrote ${path}`);
  const [one, twenty] = results.samples as [ProvisionSample, ProvisionSample];
  return [
    { name: `apply, ${one.droplets} droplets (${one.workers} worker)`, value: Number(one.seconds.toFixed(2)), unit: 's', note: `${one.apiCalls} API calls` },
    { name: `apply, ${twenty.droplets} droplets (${twenty.workers} workers)`, value: Number(twenty.seconds.toFixed(2)), unit: 's', note: `${twenty.apiCalls} API calls` },
    { name: 'time ratio 20 workers / 1 worker', value: Number(results.timeRatio.toFixed(2)), unit: '×', note: 'target ≤ 1.3' },
    { name: 'extra API calls per extra droplet', value: Number(results.extraCallsPerExtraDroplet.toFixed(2)), unit: 'calls' },
  ];
}
