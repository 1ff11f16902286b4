import { createHash } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import acme from 'acme-client';
import { writeFileAtomic } from '../../config/fs-atomic.js';

export const LETS_ENCRYPT = {
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  production: 'https://acme-v02.api.letsencrypt.org/directory',
} as const;

/** `certificates.ca` from swarm-wiz.yaml (staging | production | URL) → the ACME directory URL. */
export function directoryUrlFor(ca: string): string {
  if (ca === 'staging' || ca === 'production') return LETS_ENCRYPT[ca];
  return ca;
}

/** A folder name per CA: an account belongs to one CA. */
export function caFolderName(directoryUrl: string): string {
  if (directoryUrl === LETS_ENCRYPT.staging) return 'letsencrypt-staging';
  if (directoryUrl === LETS_ENCRYPT.production) return 'letsencrypt-production';
  const url = new URL(directoryUrl);
  const host = `${url.hostname}${url.port ? `-${url.port}` : ''}`.replace(/[^a-zA-Z0-9.-]/g, '_');
  return `${host}-${createHash('sha256').update(directoryUrl).digest('hex').slice(0, 8)}`;
}

export function accountKeyPath(projectDir: string, directoryUrl: string): string {
  return join(projectDir, '.swarm-wiz', 'acme', caFolderName(directoryUrl), 'account.pem');
}

/**
 * The ACME account key for this CA: created once (ECDSA P-256, 0600, atomically) and reused,
 * so every renewal talks to the CA as the same account.
 */
export async function loadOrCreateAccountKey(projectDir: string, directoryUrl: string): Promise<{ keyPem: string; created: boolean; path: string }> {
  const path = accountKeyPath(projectDir, directoryUrl);
  try {
    const keyPem = await readFile(path, 'utf8');
    await chmod(path, 0o600);
    return { keyPem, created: false, path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const keyPem = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  await writeFileAtomic(path, keyPem, 0o600);
  return { keyPem, created: true, path };
}
