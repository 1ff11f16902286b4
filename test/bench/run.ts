/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` (each default-exports an async function
 * returning measurements), prints them as one table and adds them to `bench-results.json` at the
 * repo root (beside the details a bench may write there itself). Speed targets live here, never as
 * timed assertions in tests.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** e.g. "median of 5" */
  note?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here)).filter((file) => file.endsWith('.bench.ts') && (only.length === 0 || only.some((name) => file.includes(name)))).sort();
let failed = 0;
const rows: (Measurement & { bench: string })[] = [];
for (const file of files) {
  const bench = file.replace(/\.bench\.ts$/, '');
  try {
    const module = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<Measurement[]> };
    for (const m of await module.default()) rows.push({ bench, ...m });
  } catch (error) {
    failed += 1;
    process.stderr.write(`${file}: failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
console.table(rows.map((m) => ({ bench: m.bench, measurement: m.name, value: Math.round(m.value * 100) / 100, unit: m.unit, note: m.note ?? '' })));
const resultsFile = join(here, '..', '..', 'bench-results.json');
const previous = (await readFile(resultsFile, 'utf8').then(JSON.parse, () => ({}))) as Record<string, unknown>;
await writeFile(resultsFile, `${JSON.stringify({ ...previous, at: new Date().toISOString(), measurements: rows }, null, 2)}\n`);
process.stdout.write(`wrote ${resultsFile}\n`);
process.exit(failed > 0 ? 1 : 0);
