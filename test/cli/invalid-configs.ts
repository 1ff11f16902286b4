import YAML from 'yaml';
import { SEED_EXAMPLE } from '../../src/config/index.js';

type Doc = Record<string, unknown> & { sites: Record<string, unknown>[]; certificates: Record<string, unknown> };

/** The seed's project as a plain YAML document, to be broken one way per case. */
function seedDoc(): Doc {
  return structuredClone(SEED_EXAMPLE) as unknown as Doc;
}

const site = (doc: Doc, i: number) => doc.sites[i] as { domain: string; aliases?: string[]; service: Record<string, unknown>; private: Record<string, unknown>[] };

/** Broken from the seed by `change`, then written as YAML. */
function broken(change: (doc: Doc) => void): string {
  const doc = seedDoc();
  change(doc);
  return YAML.stringify(doc);
}

export interface InvalidConfigCase {
  name: string;
  yaml: string;
  /** The key path the error must name, exactly as printed before the colon. */
  path: string;
}

/** Every way a swarm-wiz.yaml must be refused, each with the key path the error names. */
export const INVALID_CONFIGS: InvalidConfigCase[] = [
  { name: 'a domain used twice', path: 'sites[1].domain', yaml: broken((d) => (site(d, 1).domain = 'a.com')) },
  { name: "an alias equal to another site's domain", path: 'sites[1].aliases[0]', yaml: broken((d) => (site(d, 1).aliases = ['a.com'])) },
  { name: 'an alias equal to its own domain in upper case', path: 'sites[0].aliases[0]', yaml: broken((d) => (site(d, 0).aliases = ['A.COM'])) },
  { name: 'the same IDN domain spelt in Unicode and punycode', path: 'sites[1].domain', yaml: broken((d) => { site(d, 0).domain = 'bücher.de'; site(d, 1).domain = 'xn--bcher-kva.de'; }) },
  { name: 'a wildcard domain with http-01', path: 'sites[0].domain', yaml: broken((d) => (site(d, 0).domain = '*.a.com')) },
  { name: 'a wildcard alias with http-01', path: 'sites[2].aliases[0]', yaml: broken((d) => (site(d, 2).aliases = ['*.c.com'])) },
  { name: 'nginx syntax smuggled into a domain', path: 'sites[0].domain', yaml: broken((d) => (site(d, 0).domain = 'a.com; return 200')) },
  { name: 'a host name that is not fully qualified', path: 'sites[2].domain', yaml: broken((d) => (site(d, 2).domain = 'localhost')) },
  { name: 'an IP address as domain', path: 'sites[1].domain', yaml: broken((d) => (site(d, 1).domain = '10.0.0.1')) },
  { name: 'a service name with upper case and underscore', path: 'sites[0].service.name', yaml: broken((d) => (site(d, 0).service.name = 'Service_A')) },
  { name: "a private service named like another site's service", path: 'sites[1].private[0].name', yaml: broken((d) => (site(d, 1).private[0]!.name = 'service-a')) },
  { name: 'the reserved service name proxy', path: 'sites[0].service.name', yaml: broken((d) => (site(d, 0).service.name = 'proxy')) },
  { name: 'port 0', path: 'sites[0].service.port', yaml: broken((d) => (site(d, 0).service.port = 0)) },
  { name: 'port 70000', path: 'sites[0].private[1].port', yaml: broken((d) => (site(d, 0).private[1]!.port = 70000)) },
  { name: 'port "80" as a string', path: 'sites[2].service.port', yaml: broken((d) => (site(d, 2).service.port = '80')) },
  { name: 'an unknown top-level key (typo)', path: 'regoin', yaml: broken((d) => (d.regoin = 'fra1')) },
  { name: 'an unknown key inside a service', path: 'sites[0].service.ports', yaml: broken((d) => (site(d, 0).service.ports = 5000)) },
  { name: 'an unknown key inside certificates', path: 'certificates.emial', yaml: broken((d) => (d.certificates.emial = 'ops@a.com')) },
  { name: 'two managers', path: 'managers', yaml: broken((d) => (d.managers = 2)) },
  { name: 'delivery image without a registry', path: 'registry', yaml: broken((d) => (d.certificates.delivery = 'image')) },
  { name: 'a registry that is not one', path: 'registry', yaml: broken((d) => { d.certificates.delivery = 'image'; d.registry = 'my registry'; }) },
  { name: 'per-domain with fewer workers than domains', path: 'workers', yaml: broken((d) => { d.topology = 'per-domain'; d.workers = 2; }) },
  { name: 'global-lb without workers', path: 'workers', yaml: broken((d) => { d.topology = 'global-lb'; d.workers = 0; }) },
  { name: 'a negative number of workers', path: 'workers', yaml: broken((d) => (d.workers = -1)) },
  { name: 'a bad e-mail', path: 'certificates.email', yaml: broken((d) => (d.certificates.email = 'ops at a.com')) },
  { name: 'a plain-http CA URL', path: 'certificates.ca', yaml: broken((d) => (d.certificates.ca = 'http://acme.example/dir')) },
  { name: 'a CA URL with a quote', path: 'certificates.ca', yaml: broken((d) => (d.certificates.ca = 'https://acme.example/"dir')) },
  { name: 'an unknown challenge', path: 'certificates.challenge', yaml: broken((d) => (d.certificates.challenge = 'tls-alpn-01')) },
  { name: 'an image reference with a space', path: 'sites[0].service.image', yaml: broken((d) => (site(d, 0).service.image = 'ghcr.io/me/a 1.0')) },
  { name: 'an image reference with quotes', path: 'sites[1].private[0].image', yaml: broken((d) => (site(d, 1).private[0]!.image = '"ghcr.io/me/b1:1.0"')) },
  { name: 'a bad proxy image', path: 'proxy.image', yaml: broken((d) => (d.proxy = { image: 'nginx:1.28 alpine' })) },
  { name: 'no sites', path: 'sites', yaml: broken((d) => (d.sites = [])) },
  { name: 'a project name with upper case', path: 'project', yaml: broken((d) => (d.project = 'Demo')) },
  { name: 'an unknown topology', path: 'topology', yaml: broken((d) => (d.topology = 'swarm')) },
  { name: 'a region with a space', path: 'region', yaml: broken((d) => (d.region = 'fra 1')) },
  { name: 'no certificates section', path: 'certificates', yaml: broken((d) => delete (d as Record<string, unknown>).certificates) },
  { name: 'private services that are not a list', path: 'sites[0].private', yaml: broken((d) => ((site(d, 0) as Record<string, unknown>).private = 'a1')) },
  { name: 'a YAML syntax error', path: 'line 4', yaml: 'project: demo\nregion: fra1\nsites: [a.com\nworkers: 3\n' },
  { name: 'a key written twice', path: 'line 2', yaml: `project: demo\nproject: other\n${YAML.stringify(seedDoc()).replace('project: demo\n', '')}` },
  { name: 'a list instead of a mapping', path: '(top level)', yaml: '- a.com\n- b.com\n' },
  { name: 'an empty file', path: '(top level)', yaml: '' },
  { name: 'a YAML alias bomb (billion laughs)', path: '(yaml)', yaml: aliasBomb() },
  { name: "an image reference longer than Docker's 255 characters", path: 'sites[0].service.image', yaml: broken((d) => (site(d, 0).service.image = `ghcr.io/me/${'a'.repeat(250)}:1.0`)) },
  { name: 'a wildcard alias of 254 characters', path: 'sites[0].aliases[0]', yaml: broken((d) => { d.certificates.challenge = 'dns-01'; site(d, 0).aliases = [`*.${`${'a'.repeat(62)}.`.repeat(3)}${'a'.repeat(59)}.com`]; }) },
  { name: 'more than 100 names on one certificate', path: 'sites[1].aliases', yaml: broken((d) => (site(d, 1).aliases = Array.from({ length: 100 }, (_, i) => `www${i}.b.com`))) },
];

/** Nine levels of nine aliases each: 9^9 strings once expanded. */
function aliasBomb(): string {
  let yaml = 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  let previous = 'a';
  for (const key of 'bcdefghi') {
    yaml += `${key}: &${key} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
    previous = key;
  }
  return yaml;
}
