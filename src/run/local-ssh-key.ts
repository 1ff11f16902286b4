import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** The private key swarm-wiz uses to reach the droplets; its `.pub` beside it goes to DigitalOcean. */
export function sshKeyPath(dir: string): string {
  return join(dir, '.swarm-wiz', 'ssh', 'id_ed25519');
}

/** Returns the project's public key, generating the pair (0600, no passphrase) the first time. */
export async function ensureLocalSshKey(dir: string, comment: string): Promise<string> {
  const path = sshKeyPath(dir);
  try {
    return (await readFile(`${path}.pub`, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(join(dir, '.swarm-wiz', 'ssh'), { recursive: true, mode: 0o700 });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}
