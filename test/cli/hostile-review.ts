import YAML from 'yaml';
import { SEED_EXAMPLE } from '../../src/config/index.js';

/**
 * The cases of the hostile review (issue 17) that broke, kept as data: a config file (the seed's
 * example, broken one way) and an argument list, the key path the one error must name and what its
 * reason must say. Every one exits 2 and writes nothing.
 */
export interface ReviewCase {
  name: string;
  /** The seed's example changed in place; the file is written as YAML (or `raw` as it is). */
  change?: (doc: Doc) => void;
  raw?: string;
  /** The arguments after `swarm-wiz` (`CONFIG` and `OUT` are replaced by the file and an output folder). */
  args: string[];
  /** The key path the error names: printed once, at the start of a line, before `: `. */
  path: string;
  /** What the reason says (what would be valid). */
  reason: RegExp;
  /** Text that must appear nowhere in the output (what the file held, a second unrelated error). */
  never?: string[];
}

export type Doc = Record<string, unknown> & { sites: (Record<string, unknown> & { service: Record<string, unknown> })[]; certificates: Record<string, unknown>; proxy?: Record<string, unknown> };

const APPLY = ['apply', '--config', 'CONFIG', '--dir', 'OUT', '--yes'];
const service = (doc: Doc, i = 0) => doc.sites[i]!.service;
const SHADOW = ['root:$6$Zq0SECRETsalt$hAsHhAsHhAsH:20228:0:99999:7:::', 'daemon:*:20228:0:99999:7:::', 'operator:$y$j9T$ANOTHERSECRET:20228:0:99999:7:::'].join('\n') + '\n';

export const REVIEW_CASES: ReviewCase[] = [
  { name: 'a $ in a volume path (5)', args: APPLY, path: 'sites[0].service.volumes[0]', reason: /\$/, change: (d) => (service(d).volumes = ['data:/x${SWARM_WIZ_PROXY_DIR}$HOME']) },
  { name: 'an env name __proto__ (6)', args: APPLY, path: 'sites[0].service.env.__proto__', reason: /__proto__/, raw: YAML.stringify(SEED_EXAMPLE).replace('      port: 5000\n', '      port: 5000\n      env:\n        __proto__: polluted\n        RAILS_ENV: production\n') },
  { name: 'an e-mail that a mailer reads as a flag (7)', args: APPLY, path: 'certificates.email', reason: /e-mail address/, change: (d) => (d.certificates.email = '-oQ/tmp/x@a.com') },
  { name: 'an e-mail with shell metacharacters (7)', args: APPLY, path: 'certificates.email', reason: /e-mail address/, change: (d) => (d.certificates.email = 'a|b$c@a.com') },
  { name: 'an e-mail with a crontab line in it (7)', args: APPLY, path: 'certificates.email', reason: /e-mail address/, change: (d) => (d.certificates.email = 'ops@a.com\n* * * * * root id') },
  { name: 'a registry port of 99999 (8)', args: APPLY, path: 'registry', reason: /1–65535/, change: (d) => { d.certificates.delivery = 'image'; d.registry = 'registry.example.com:99999/me'; } },
  { name: 'an image with a registry port of 0 (8)', args: APPLY, path: 'sites[0].service.image', reason: /1–65535/, change: (d) => (service(d).image = 'registry.example.com:0/me/a:1.0') },
  { name: '--config /etc/shadow-like file (10)', args: ['plan', '--config', 'CONFIG'], path: '(top level)', reason: /none of the keys/, raw: SHADOW, never: ['SECRET', 'root', 'daemon', 'operator'] },
  { name: 'an unknown key that is not a word is placed, not quoted (10)', args: APPLY, path: 'line 3, column 1', reason: /not a known key/, raw: YAML.stringify(SEED_EXAMPLE).replace('region: fra1\n', 'region: fra1\n"pa$$word=hunter2": 1\n'), never: ['hunter2'] },
  { name: 'a huge port number, reported once (held)', args: APPLY, path: 'sites[0].service.port', reason: /is not a port \(1–65535\)/, raw: YAML.stringify(SEED_EXAMPLE).replace('port: 5000', 'port: 99999999999999999999') },
  { name: 'a !!binary value (held)', args: APPLY, path: 'proxy.hsts', reason: /binary/, raw: `${YAML.stringify(SEED_EXAMPLE)}proxy:\n  hsts: !!binary aGVsbG8=\n`, never: ['a mapping'] },
  { name: 'add-domain with a shell command in --domain (held)', args: ['add-domain', '--config', 'CONFIG', '--domain', 'a.com; rm -rf /', '--image', 'ghcr.io/me/x:1', '--port', '5000', '--yes'], path: '--domain', reason: /not a domain name/, never: ['service'] },
];
