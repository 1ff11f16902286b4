import type { EntryPoint } from '../adapters/acme/preflight.js';
import { IssuanceError } from '../adapters/acme/errors.js';
import { parseEntry } from '../certs/project-issuer.js';
import { UsageError } from './errors.js';

/** `--entry IP[:PORT]` values (`port` unless given); a bad one is a UsageError naming it. */
export function parseEntries(values: readonly string[] | undefined, port: number): EntryPoint[] {
  try {
    return (values ?? []).map((value) => parseEntry(value, port));
  } catch (error) {
    if (error instanceof IssuanceError) throw new UsageError(error.message);
    throw error;
  }
}
