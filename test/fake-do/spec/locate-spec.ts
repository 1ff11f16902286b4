import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SPEC_PUBLISHED_AT = 'https://github.com/digitalocean/openapi';

/** The repo root, found from this file's place in it (test/fake-do/spec), never from the cwd. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export type SpecLocation =
  | { found: true; path: string }
  | { found: false; triedPaths: string[]; message: string };

/**
 * Where DigitalOcean's OpenAPI spec is: `DIGITALOCEAN_OPENAPI_SPEC`, else `<repo>/../shared/digitalocean/openapi.v2.yaml`.
 * The spec is never copied into the project.
 */
export function locateSpec(env: NodeJS.ProcessEnv = process.env): SpecLocation {
  const candidates = env.DIGITALOCEAN_OPENAPI_SPEC
    ? [resolve(env.DIGITALOCEAN_OPENAPI_SPEC)]
    : [resolve(repoRoot, '..', 'shared', 'digitalocean', 'openapi.v2.yaml')];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path) return { found: true, path };
  return {
    found: false,
    triedPaths: candidates,
    message:
      `DigitalOcean OpenAPI spec not found (looked at ${candidates.join(', ')}): the fake DigitalOcean API ` +
      `runs WITHOUT spec conformance checks. Get openapi.v2.yaml from ${SPEC_PUBLISHED_AT} ` +
      `and set DIGITALOCEAN_OPENAPI_SPEC to its path.`,
  };
}
