import type { Config } from '../config/index.js';
import { ensurePlaceholders } from './placeholder.js';
import { writeProxyCertificates } from './proxy-files.js';
import { siteNamesOf } from './sites.js';
import { CertificateStore } from '../adapters/certificate-store.js';

/**
 * Before the first deploy: a self-signed placeholder for every site that has no certificate yet,
 * and every stored certificate in `proxy/certs/`, so nginx starts, answers http-01 through the
 * support server, and is switched to the real certificates by the next deploy after `renew`.
 */
export async function bootstrapProxyCertificates(config: Config, dir: string, now = new Date()): Promise<{ placeholders: string[]; written: string[] }> {
  const store = new CertificateStore(dir);
  const sites = siteNamesOf(config);
  const placeholders = await ensurePlaceholders(store, sites, now);
  const written = await writeProxyCertificates(store, sites, dir);
  return { placeholders, written };
}
