import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Reads the OpenAPI document. Parsing the 81k-line YAML takes ~1.5 s, so the parsed document is
 * kept as JSON in the OS temp directory (never in the project), keyed by the spec's path, size and
 * mtime; a warm read takes tens of milliseconds. Any trouble with the cache falls back to parsing.
 */
export function readSpecDocument(path: string): Record<string, unknown> {
  const stats = statSync(path);
  const key = createHash('sha256').update(`${path}\0${stats.size}\0${stats.mtimeMs}`).digest('hex').slice(0, 32);
  const cacheDir = join(tmpdir(), 'swarm-wiz-openapi-cache');
  const cacheFile = join(cacheDir, `${key}.json`);
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, unknown>;
  } catch {
    // not cached yet (or unreadable): parse the YAML below
  }
  const document = parse(readFileSync(path, 'utf8'), { maxAliasCount: -1 }) as Record<string, unknown>;
  try {
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(document));
    renameSync(partial, cacheFile);
  } catch {
    // a read-only temp directory only costs speed
  }
  return document;
}
