import type { Config } from '../config/index.js';

/** The names one certificate must cover: the site's domain first, then its aliases. */
export interface SiteNames {
  domain: string;
  altNames: string[];
}

export function siteNamesOf(config: Pick<Config, 'sites'>): SiteNames[] {
  return config.sites.map((site) => ({ domain: site.domain, altNames: site.aliases }));
}

export function allNames(site: SiteNames): string[] {
  return [site.domain, ...site.altNames.filter((name) => name !== site.domain)];
}
