import { locateSpec, SPEC_PUBLISHED_AT } from './spec/locate-spec.js';
import { OpenApiValidator } from './spec/openapi-validator.js';

export interface Conformance {
  validator: OpenApiValidator | undefined;
  specPath: string | undefined;
  /** How long reading and parsing the spec took (once per process). */
  loadMs: number;
}

const loaded = new Map<string, { validator: OpenApiValidator; loadMs: number }>();
let announcedOff = false;

/**
 * The spec validator, loaded once per process and spec path. Without a spec the checks are off
 * (said once on stderr); under `CI=true` a missing spec is an error, so CI can never pass unchecked.
 */
export function loadConformance(options: { specPath?: string; env?: NodeJS.ProcessEnv } = {}): Conformance {
  const env = options.env ?? process.env;
  const location = options.specPath ? { found: true as const, path: options.specPath } : locateSpec(env);
  if (!location.found) {
    if (env.CI === 'true') throw new Error(`${location.message} (CI=true: the spec is required; ${SPEC_PUBLISHED_AT})`);
    if (!announcedOff) {
      announcedOff = true;
      process.stderr.write(`${location.message}\n`);
    }
    return { validator: undefined, specPath: undefined, loadMs: 0 };
  }
  let entry = loaded.get(location.path);
  if (!entry) {
    const started = performance.now();
    const validator = OpenApiValidator.fromFile(location.path);
    entry = { validator, loadMs: performance.now() - started };
    loaded.set(location.path, entry);
  }
  return { validator: entry.validator, specPath: location.path, loadMs: entry.loadMs };
}
