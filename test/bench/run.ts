/**
 * `npm run bench` (not part of CI): runs every `test/bench/*.bench.ts` (each default-exports an async
 * function returning figures), prints them as one table and writes `bench-results.json` at the repo
 * root: per figure name, value, unit, baseline (what it is compared with, measured in the same run,
 * rounds alternating), ratio, target and ok. Speed targets live here, never as timed assertions in tests.
 *
 * `npm run bench -- gateway status` runs only the benches whose file name contains one of the words;
 * their figures replace those of the same bench in bench-results.json, the others stay.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { judge, round2, type Figure, type RecordedFigure } from './figures.js';

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const only = process.argv.slice(2);
  const files = (await readdir(here)).filter((file) => file.endsWith('.bench.ts') && (only.length === 0 || only.some((name) => file.includes(name)))).sort();
  const loadAtStart = loadavg().map(round2);
  const failures: string[] = [];
  const rows: RecordedFigure[] = [];
  for (const file of files) {
    const bench = file.replace(/\.bench\.ts$/, '');
    process.stderr.write(`bench ${bench}…\n`);
    const started = performance.now();
    try {
      const module = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<Figure[]> };
      for (const figure of await module.default()) rows.push({ bench, ...figure, ...judge(figure) });
    } catch (error) {
      failures.push(bench);
      process.stderr.write(`${file}: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.stderr.write(`bench ${bench}: ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  console.table(
    rows.map((f) => ({
      bench: f.bench,
      figure: f.name,
      value: `${round2(f.value)} ${f.unit}`,
      baseline: f.baseline ? `${f.baseline.name}: ${round2(f.baseline.value)}` : '',
      ratio: f.ratio === null ? '' : `${round2(f.ratio)}×`,
      target: f.target?.text ?? '',
      ok: f.ok === null ? '' : f.ok ? 'yes' : 'NO',
    })),
  );
  const resultsFile = join(here, '..', '..', 'bench-results.json');
  const previous = (await readFile(resultsFile, 'utf8').then(JSON.parse, () => ({}))) as { figures?: RecordedFigure[] };
  const ran = new Set(files.map((file) => file.replace(/\.bench\.ts$/, '')));
  const kept = only.length === 0 ? [] : (previous.figures ?? []).filter((f) => !ran.has(f.bench));
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: round2(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}`, loadAverage: { atStart: loadAtStart, atEnd: loadavg().map(round2) } };
  const figures = [...kept, ...rows.map((f) => ({ ...f, value: round2(f.value), ratio: f.ratio === null ? null : round2(f.ratio), ...(f.baseline ? { baseline: { ...f.baseline, value: round2(f.baseline.value) } } : {}) }))];
  await writeFile(resultsFile, `${JSON.stringify({ at: new Date().toISOString(), machine, failed: failures, figures }, null, 2)}\n`);
  const missed = rows.filter((f) => f.ok === false);
  process.stdout.write(`wrote ${resultsFile}: ${rows.length} figures, ${missed.length} below target${failures.length > 0 ? `, benches failed: ${failures.join(', ')}` : ''}\n`);
  process.exit(failures.length > 0 ? 1 : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
