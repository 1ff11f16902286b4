import { generateCertificate } from './x509-generate.js';
import { allNames, type SiteNames } from './sites.js';
import type { CertificateStore } from '../adapters/certificate-store.js';

const PLACEHOLDER_DAYS = 30;

/**
 * Gives every site without a certificate a self-signed placeholder, so nginx can start (and
 * answer http-01 challenges) before the first real certificate exists. Never touches a site
 * that already has one. Returns the domains that got a placeholder.
 */
export async function ensurePlaceholders(store: CertificateStore, sites: SiteNames[], now = new Date()): Promise<string[]> {
  const created: string[] = [];
  for (const site of sites) {
    if (await store.readMeta(site.domain)) continue;
    const names = allNames(site);
    const pair = await generateCertificate({
      names,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + PLACEHOLDER_DAYS * 86_400_000),
    });
    await store.save(site.domain, pair.keyPem, pair.certPem, { placeholder: true, names });
    created.push(site.domain);
  }
  return created;
}
