import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { runCli } from '../../src/cli/run-cli.js';
import { testIo } from '../cli/test-io.js';
import type { Measurement } from './run.js';

const repo = join(import.meta.dirname, '../..');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0);
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** How long `swarm-wiz apply --example` takes: in-process (render + write) and as a fresh process (what a user waits). */
export default async function cliBench(): Promise<Measurement[]> {
  const inProcess: number[] = [];
  for (let i = 0; i < 10; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bench-'));
    const { io } = testIo({ cwd: dir });
    inProcess.push(await timed(async () => {
      if ((await runCli(['apply', '--example', '--dir', dir], io)) !== 0) throw new Error('apply --example failed');
    }));
  }
  const processRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bench-'));
    processRuns.push(await timed(() => execa('node', ['--import', 'tsx', 'src/cli/main.ts', 'apply', '--example', '--dir', dir], { cwd: repo, stdin: 'ignore' })));
  }
  return [
    { name: 'apply --example in-process (render + plan + write 9 files)', value: median(inProcess), unit: 'ms', note: 'median of 10' },
    { name: 'apply --example as a fresh process (node --import tsx)', value: median(processRuns), unit: 'ms', note: 'median of 3' },
  ];
}
