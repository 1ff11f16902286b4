import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateFiles } from '../../recipes/names.js';
import { writeFileAtomic } from '../config/fs-atomic.js';
import type { SiteNames } from './sites.js';
import type { CertificateStore } from '../adapters/certificate-store.js';

/**
 * Copies each stored certificate (real or placeholder) to where the generated compose file and
 * Dockerfile read it (`proxy/certs/<domain>/fullchain.pem`, `privkey.pem`, 0600). Only changed
 * files are written, so the content-hash version of the Swarm secrets only moves when a
 * certificate did. Returns the domains whose files changed. Deploying them is not done here.
 */
export async function writeProxyCertificates(store: CertificateStore, sites: SiteNames[], dir: string): Promise<string[]> {
  const changed: string[] = [];
  for (const site of sites) {
    const stored = await store.read(site.domain);
    if (!stored) continue;
    const files = certificateFiles(site.domain);
    let wrote = false;
    for (const [relative, content] of [
      [files.chain, stored.fullchainPem],
      [files.key, stored.keyPem],
    ] as const) {
      const path = join(dir, relative);
      if ((await readFile(path, 'utf8').catch(() => undefined)) === content) continue;
      await writeFileAtomic(path, content, 0o600);
      wrote = true;
    }
    if (wrote) changed.push(site.domain);
  }
  return changed;
}
