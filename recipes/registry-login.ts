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
