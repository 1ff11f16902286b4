import type { RegistryCredentials } from '../src/commands/registry.js';

/**
 * Shell lines that log the docker CLI in to the project's registry, read from the environment
 * (never written into a file):
 *   DigitalOcean (registry.digitalocean.com)  DIGITALOCEAN_ACCESS_TOKEN (username and password, as DOCR documents)
 *   Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com)  the aws CLI's own credentials: get-login-password
 *   any other registry  SWARM_WIZ_REGISTRY_USER and SWARM_WIZ_REGISTRY_PASSWORD
 */
export type RegistryKind =
  | { kind: 'docr'; host: string }
  | { kind: 'ecr'; host: string; region: string }
  | { kind: 'generic'; host: string };

/** The registry host of a validated `registry` value (its first path component, or Docker Hub). */
export function registryOf(registry: string): RegistryKind {
  const first = registry.split('/')[0] ?? registry;
  const isHost = registry.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = isHost ? first : 'docker.io';
  if (host === 'registry.digitalocean.com') return { kind: 'docr', host };
  const ecr = /^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
  if (ecr?.[1]) return { kind: 'ecr', host, region: ecr[1] };
  return { kind: 'generic', host };
}

/** POSIX sh lines; values come from a validated config, so they need no quoting beyond "…". */
export function registryLoginLines(registry: string): string[] {
  const target = registryOf(registry);
  switch (target.kind) {
    case 'docr':
      return [
        ': "${DIGITALOCEAN_ACCESS_TOKEN:?set DIGITALOCEAN_ACCESS_TOKEN to a DigitalOcean API token with registry access}"',
        `printf '%s' "$DIGITALOCEAN_ACCESS_TOKEN" | docker login "${target.host}" --username "$DIGITALOCEAN_ACCESS_TOKEN" --password-stdin`,
      ];
    case 'ecr':
      return [`aws ecr get-login-password --region "${target.region}" | docker login "${target.host}" --username AWS --password-stdin`];
    case 'generic':
      return [
        ': "${SWARM_WIZ_REGISTRY_USER:?set SWARM_WIZ_REGISTRY_USER to the registry user}"',
        ': "${SWARM_WIZ_REGISTRY_PASSWORD:?set SWARM_WIZ_REGISTRY_PASSWORD to the registry password or token}"',
        `printf '%s' "$SWARM_WIZ_REGISTRY_PASSWORD" | docker login "${target.host}" --username "$SWARM_WIZ_REGISTRY_USER" --password-stdin`,
      ];
  }
}

// RegistryCredentials lives with the `docker login` command (src/commands/registry.ts).
export type { RegistryCredentials };

/**
 * The credentials swarm-wiz logs in with when it pushes the proxy image itself, read from the same
 * variables as the scripts above (`env` is the caller's environment; unset and blank are the same):
 * SWARM_WIZ_REGISTRY_USER + SWARM_WIZ_REGISTRY_PASSWORD for any registry (for ECR: user `AWS` and the
 * output of `aws ecr get-login-password`), else DIGITALOCEAN_ACCESS_TOKEN for DigitalOcean's. A
 * registry of another kind with neither variable set takes anonymous pushes (a private test registry):
 * `credentials` is undefined. `problem` says which variable is missing.
 */
export function registryCredentials(registry: string, env: Readonly<Record<string, string | undefined>>): { credentials?: RegistryCredentials; problem?: string } {
  const target = registryOf(registry);
  const value = (name: string) => env[name]?.trim() || undefined;
  const user = value('SWARM_WIZ_REGISTRY_USER');
  const password = value('SWARM_WIZ_REGISTRY_PASSWORD');
  if (user && password) return { credentials: { host: target.host, username: user, password } };
  if (user || password) {
    return { problem: `set both SWARM_WIZ_REGISTRY_USER and SWARM_WIZ_REGISTRY_PASSWORD (only ${user ? 'the user' : 'the password'} is set) to push the proxy image to ${target.host}` };
  }
  switch (target.kind) {
    case 'docr': {
      const token = value('DIGITALOCEAN_ACCESS_TOKEN');
      if (token) return { credentials: { host: target.host, username: token, password: token } };
      return { problem: `set DIGITALOCEAN_ACCESS_TOKEN to a DigitalOcean API token with registry access to push the proxy image to ${target.host}` };
    }
    case 'ecr':
      return {
        problem: `set SWARM_WIZ_REGISTRY_USER=AWS and SWARM_WIZ_REGISTRY_PASSWORD to the output of \`aws ecr get-login-password --region ${target.region}\` to push the proxy image to ${target.host}`,
      };
    case 'generic':
      return {};
  }
}
