/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` (each default-exports an async function
 * returning measurements) and prints one line per measurement. Speed targets live here, never
 * as timed assertions in tests.
 */
import { readdir } from 'node:fs/promises';
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
for (const file of files) {
  try {
    const module = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<Measurement[]> };
    for (const m of await module.default()) {
      process.stdout.write(`${file.replace(/\.bench\.ts$/, '')}: ${m.name}: ${m.value} ${m.unit}${m.note ? ` (${m.note})` : ''}\n`);
    }
  } catch (error) {
    failed += 1;
    process.stderr.write(`${file}: failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
