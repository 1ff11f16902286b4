import type { Command } from './command.js';

/** Registry operations (delivery: image), as argv. */

/** What `docker login` takes for the project's registry; the password goes to its stdin, never argv. */
export interface RegistryCredentials {
  host: string;
  username: string;
  password: string;
}

/**
 * `env DOCKER_CONFIG=<dir>` before a docker command: the login is kept in that folder (the project's,
 * mode 0700) instead of the user's ~/.docker, and the push and the stack deploy read it from there.
 */
export const withDockerConfig = (dockerConfig: string | undefined, argv: readonly string[]): string[] =>
  dockerConfig ? ['env', `DOCKER_CONFIG=${dockerConfig}`, ...argv] : [...argv];

/**
 * `docker login` on the node: the password through stdin (`--password-stdin`), never in argv, and
 * redacted wherever the command or its output is shown (DigitalOcean's registry takes the token as
 * the user too: the same secret).
 */
export function registryLogin(credentials: RegistryCredentials, dockerConfig?: string): Command {
  return {
    argv: withDockerConfig(dockerConfig, ['docker', 'login', '--username', credentials.username, '--password-stdin', credentials.host]),
    stdin: credentials.password,
    secrets: [credentials.password],
    description: `log in to the registry ${credentials.host}`,
  };
}

/** Pushes an image the node built, so the other nodes can pull it. */
export function imagePush(tag: string, dockerConfig?: string): Command {
  return { argv: withDockerConfig(dockerConfig, ['docker', 'push', tag]), description: `push the proxy image ${tag}` };
}
