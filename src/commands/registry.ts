import type { RegistryCredentials } from '../../recipes/registry-login.js';
import type { Command } from './command.js';

/** Registry operations (delivery: image), as argv. */

/**
 * `docker login` on the node: the password through stdin (`--password-stdin`), never in argv, and
 * redacted wherever the command or its output is shown (DigitalOcean's registry takes the token as
 * the user too: the same secret).
 */
export function registryLogin(credentials: RegistryCredentials): Command {
  return {
    argv: ['docker', 'login', '--username', credentials.username, '--password-stdin', credentials.host],
    stdin: credentials.password,
    secrets: [credentials.password],
    description: `log in to the registry ${credentials.host}`,
  };
}

/** Pushes an image the node built, so the other nodes can pull it. */
export function imagePush(tag: string): Command {
  return { argv: ['docker', 'push', tag], description: `push the proxy image ${tag}` };
}
