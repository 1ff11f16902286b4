import { mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  SEED_EXAMPLE,
  checkDomainName,
  configFromYaml,
  configToYaml,
  loadConfig,
  parseConfig,
  saveConfig,
  type ConfigInput,
} from '../../src/config/index.js';
import { issuesOf } from './issues.js';

const withChanges = (change: (config: ConfigInput) => void): ConfigInput => {
  const copy = structuredClone(SEED_EXAMPLE);
  change(copy);
  return copy;
};


describe('the swarm-wiz.yaml contract', () => {
  it('accepts the seed example and fills defaults', () => {
    const config = parseConfig(SEED_EXAMPLE);
    expect(config.sites.map((site) => site.domain)).toEqual(['a.com', 'b.com', 'c.com']);
    expect(config.sites[0]?.private.map((svc) => svc.name)).toEqual(['a1', 'a2']);
    expect(config.proxy).toEqual({ image: 'nginx:1.28-alpine', hsts: false });
    expect(config.sites[0]?.aliases).toEqual([]);
  });

  it('lower-cases domains and turns IDN into punycode', () => {
    const config = parseConfig(withChanges((c) => { c.sites[0]!.domain = 'Bücher.EXAMPLE'; c.sites[0]!.aliases = ['WWW.Bücher.example.']; }));
    expect(config.sites[0]?.domain).toBe('xn--bcher-kva.example');
    expect(config.sites[0]?.aliases).toEqual(['www.xn--bcher-kva.example']);
  });

  it('names the key path and the valid range in the message', () => {
    const issues = issuesOf(withChanges((c) => { c.sites[1]!.service.port = 70000; }));
    expect(issues).toEqual(['sites[1].service.port: 70000 is not a port (1–65535)']);
  });

  it('reports every problem at once, each with its path', () => {
    const issues = issuesOf(withChanges((c) => {
      c.sites[0]!.service.image = 'bad image';
      c.sites[2]!.private![1]!.port = 0;
      (c as Record<string, unknown>).regoin = 'fra1';
    }));
    expect(issues.map((line) => line.split(':')[0])).toEqual(['sites[0].service.image', 'sites[2].private[1].port', 'regoin']);
  });

  it.each([
    ['a.com; return 200', 'not a domain name'],
    ['a.com\n}', 'not a domain name'],
    ['"a.com"', 'not a domain name'],
    ['a..com', 'invalid label'],
    ['-a.com', 'invalid label'],
    ['localhost', 'not a fully qualified'],
    ['10.0.0.1', 'IP address'],
    ['*.a.com', 'wildcard'],
  ])('rejects the domain %j', (domain, reason) => {
    const issues = issuesOf(withChanges((c) => { c.sites[0]!.domain = domain; }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^sites\[0\]\.domain: /);
    expect(issues[0]).toContain(reason);
  });

  it('allows a wildcard alias with dns-01 only', () => {
    const config = parseConfig(withChanges((c) => { c.sites[0]!.aliases = ['*.a.com']; c.certificates.challenge = 'dns-01'; }));
    expect(config.sites[0]?.aliases).toEqual(['*.a.com']);
  });

  it('rejects duplicates across domains and aliases, after normalisation', () => {
    expect(issuesOf(withChanges((c) => { c.sites[2]!.aliases = ['A.COM']; }))).toEqual([
      'sites[2].aliases[0]: "a.com" is already used at sites[0].domain; each domain may appear once',
    ]);
  });

  it('rejects colliding and reserved service names', () => {
    expect(issuesOf(withChanges((c) => { c.sites[1]!.private![0]!.name = 'a1'; }))[0]).toMatch(/^sites\[1\]\.private\[0\]\.name: "a1" is already the name of sites\[0\]\.private\[0\]\.name/);
    expect(issuesOf(withChanges((c) => { c.sites[0]!.service.name = 'proxy'; }))[0]).toMatch(/reserved/);
    expect(issuesOf(withChanges((c) => { c.sites[0]!.service.name = 'Service_A'; }))[0]).toMatch(/not a valid Swarm service name/);
  });

  it('enforces the topology and delivery rules', () => {
    expect(issuesOf(withChanges((c) => { c.managers = 2 as 1; }))[0]).toMatch(/^managers: 2 is not 1 or 3/);
    expect(issuesOf(withChanges((c) => { c.topology = 'per-domain'; c.workers = 2; }))[0]).toMatch(/^workers: 2 is too few: topology per-domain/);
    expect(issuesOf(withChanges((c) => { c.certificates.delivery = 'image'; }))[0]).toMatch(/^registry: is required with certificates.delivery: image/);
    expect(issuesOf(withChanges((c) => { c.topology = 'mesh' as 'manager'; }))[0]).toMatch(/^topology: "mesh" is not valid \(one of manager, dedicated, per-domain, global-lb\)/);
  });

  it('takes an optional certificates.profile (checked against the CA before ordering), never one that could break out of YAML', () => {
    expect(parseConfig(withChanges((c) => { c.certificates.profile = 'shortlived'; })).certificates.profile).toBe('shortlived');
    expect(parseConfig(withChanges(() => undefined)).certificates.profile).toBeUndefined();
    expect(issuesOf(withChanges((c) => { c.certificates.profile = 'short lived; x'; }))[0]).toMatch(/^certificates.profile: "short lived; x" is not a profile name/);
  });

  it('takes backup.before on a service with volumes; names the field otherwise', () => {
    const before = 'pg_dumpall -U postgres > /var/lib/postgresql/data/dump.sql';
    const config = parseConfig(withChanges((c) => { c.sites[0]!.private![0]!.volumes = ['a1-data:/var/lib/postgresql/data']; c.sites[0]!.private![0]!.backup = { before }; }));
    expect(config.sites[0]?.private[0]?.backup).toEqual({ before });
    expect(configFromYaml(configToYaml(config)).sites[0]?.private[0]?.backup).toEqual({ before });
    expect(issuesOf(withChanges((c) => { c.sites[0]!.private![0]!.volumes = []; c.sites[0]!.private![0]!.backup = { before }; }))).toEqual([
      'sites[0].private[0].backup: a1 has no volumes: backups copy a service\'s named volumes (add volumes: [NAME:/path], or remove backup)',
    ]);
    expect(issuesOf(withChanges((c) => { c.sites[0]!.private![0]!.volumes = ['d:/d']; c.sites[0]!.private![0]!.backup = { before: '' }; }))[0]).toMatch(/^sites\[0\]\.private\[0\]\.backup\.before: is empty/);
    expect(issuesOf(withChanges((c) => { c.sites[0]!.private![0]!.volumes = ['d:/d']; c.sites[0]!.private![0]!.backup = { befor: 'x' } as never; }))[0]).toMatch(/^sites\[0\]\.private\[0\]\.backup/);
  });

  it('round-trips through YAML', () => {
    const config = parseConfig(withChanges((c) => { c.certificates.delivery = 'image'; c.registry = 'registry.digitalocean.com/me'; }));
    expect(configFromYaml(configToYaml(config))).toEqual(config);
  });

  it('names the line of a YAML syntax error and rejects duplicate keys', () => {
    expect(() => configFromYaml('project: demo\nproject: other\n')).toThrow(/line 2/);
    expect(() => configFromYaml('project: [demo\n')).toThrow(ConfigError);
  });

  it('saves atomically and never writes an invalid config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-config-'));
    const path = join(dir, 'swarm-wiz.yaml');
    await saveConfig(path, parseConfig(SEED_EXAMPLE));
    expect(await loadConfig(path)).toEqual(parseConfig(SEED_EXAMPLE));
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    const broken = { ...parseConfig(SEED_EXAMPLE), managers: 2 as 1 };
    await expect(saveConfig(path, broken)).rejects.toThrow(/managers/);
    expect(await readFile(path, 'utf8')).toContain('managers: 1');
    expect(await readdir(dir)).toEqual(['swarm-wiz.yaml']);
  });

  it('says how to create a missing config', async () => {
    await expect(loadConfig('/nonexistent/swarm-wiz.yaml')).rejects.toThrow(/does not exist \(run swarm-wiz/);
  });
});

describe('checkDomainName', () => {
  it('keeps a valid name and strips the trailing dot', () => {
    expect(checkDomainName('Example.COM.', false)).toEqual({ ok: true, ascii: 'example.com' });
  });

  it.each([
    ['a name', '', 253, true],
    ['a name', '', 254, false],
    ['a wildcard', '*.', 253, true],
    ['a wildcard', '*.', 254, false],
    ['a wildcard', '*.', 255, false],
  ])('%s (%j) of %i characters in all, "*." counted: accepted only up to 253', (_, prefix, total, ok) => {
    const name = `${prefix}${nameOfLength(total - prefix.length)}`;
    expect(name).toHaveLength(total);
    const check = checkDomainName(name, true);
    expect(check.ok).toBe(ok);
    if (!check.ok) expect(check.reason).toMatch(new RegExp(`is ${total} characters long; a domain name has at most 253$`));
  });
});

/** A valid domain name of exactly `length` characters: labels of at most 63, ending in .com. */
function nameOfLength(length: number): string {
  let rest = length - '.com'.length;
  const labels: string[] = [];
  for (; rest > 63; rest -= 63) labels.push('a'.repeat(62));
  labels.push('a'.repeat(rest));
  return `${labels.join('.')}.com`;
}

describe('limits of the things the config names', () => {
  const image = (length: number) => `ghcr.io/me/${'a'.repeat(length - 'ghcr.io/me/'.length - ':1.0'.length)}:1.0`;

  it("an image reference of 255 characters is accepted; 256 is refused with Docker's limit, not echoed", () => {
    expect(image(256)).toHaveLength(256);
    expect(parseConfig(withChanges((c) => { c.sites[0]!.service.image = image(255); })).sites[0]?.service.image).toHaveLength(255);
    expect(issuesOf(withChanges((c) => { c.sites[0]!.service.image = image(256); }))).toEqual(['sites[0].service.image: is 256 characters; Docker allows at most 255']);
    expect(issuesOf(withChanges((c) => { c.sites[1]!.private![0]!.image = `${'x y'.repeat(100)}`; }))).toEqual(['sites[1].private[0].image: is 300 characters; Docker allows at most 255']);
    expect(issuesOf(withChanges((c) => { c.proxy = { image: image(300) }; }))).toEqual(['proxy.image: is 300 characters; Docker allows at most 255']);
  });

  it("at most 100 names on one certificate (the domain and its aliases: Let's Encrypt's limit)", () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `www${i}.a.com`);
    expect(parseConfig(withChanges((c) => { c.sites[0]!.aliases = aliases(99); })).sites[0]?.aliases).toHaveLength(99);
    expect(issuesOf(withChanges((c) => { c.sites[0]!.aliases = aliases(100); }))).toEqual([
      "sites[0].aliases: 101 names with the domain; Let's Encrypt allows at most 100 per certificate",
    ]);
  });
});

describe('values repeated in error messages', () => {
  const long = 'x'.repeat(10_000);
  const shown = `"${'x'.repeat(60)}"… (10000 characters)`;

  it.each([
    ['region', (c: ConfigInput) => { c.region = long; }, `region: ${shown} is not a region slug (like fra1)`],
    ['a domain', (c: ConfigInput) => { c.sites[0]!.domain = `${long}.com`; }, `sites[0].domain: "${'x'.repeat(60)}"… (10004 characters) has an invalid label`],
    ['a domain with a space', (c: ConfigInput) => { c.sites[0]!.domain = `a ${long}`; }, `sites[0].domain: "a ${'x'.repeat(58)}"… (10002 characters) is not a domain name`],
    ['the e-mail', (c: ConfigInput) => { c.certificates.email = long; }, `certificates.email: ${shown} is not a plain e-mail address`],
    ['an unknown key (placed, not shown: it is no word)', (c: ConfigInput) => { (c as Record<string, unknown>)[long] = 1; }, '(top level) (a key): is not a known key (not shown: it is not a word)'],
  ])('%s of 10 000 characters: the first 60 and the length, never the whole value', (_, change, expected) => {
    const issues = issuesOf(withChanges(change));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(expected);
    expect(issues[0]!.length).toBeLessThan(300);
  });

  it('a list or a mapping where a value is expected is named as such', () => {
    expect(issuesOf(withChanges((c) => { (c.sites[0]!.service as Record<string, unknown>).port = { a: 1 }; }))).toEqual(['sites[0].service.port: a mapping is not a port (1–65535)']);
    expect(issuesOf(withChanges((c) => { (c as Record<string, unknown>).region = ['fra1']; }))).toEqual(['region: a list is not a region slug']);
  });
});

describe('YAML aliases', () => {
  it('a few are fine; an alias bomb (billion laughs) is a ConfigError saying the file uses too many aliases', () => {
    const yaml = configToYaml(parseConfig(SEED_EXAMPLE));
    const few = yaml.replace('port: 5000', 'port: &port 5000').replaceAll(/port: 5000(?=\D)/g, 'port: *port');
    expect(few).toContain('*port');
    expect(configFromYaml(few)).toEqual(parseConfig(SEED_EXAMPLE));
    let bomb = 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    let previous = 'a';
    for (const key of 'bcdefghi') {
      bomb += `${key}: &${key} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
      previous = key;
    }
    expect(() => configFromYaml(bomb, '/p/swarm-wiz.yaml')).toThrow(ConfigError);
    expect(() => configFromYaml(bomb, '/p/swarm-wiz.yaml')).toThrow(/^\/p\/swarm-wiz\.yaml is not valid:\n {2}\(yaml\): the file uses too many aliases/);
  });
});
