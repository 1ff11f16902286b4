import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { supportFiles, supportState, supportAuthorizedLine, SUPPORT_FILES, LAUNCHER, takeServedCertificates } from '../../src/app/support.js';
import { certificateMeta } from '../../src/adapters/certificate-metadata.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { allNames, type SiteNames } from '../../src/certs/sites.js';
import { certificateFiles } from '../../recipes/names.js';
import type { Shell } from '../../src/targets/target.js';
import { ensurePlaceholders } from '../../src/certs/placeholder.js';
import { siteNamesOf } from '../../src/certs/sites.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { emptyState, parseState, type State } from '../../src/state/index.js';

const state = (): State => ({
  ...emptyState('demo'),
  target: 'digitalocean',
  cloud: {
    tags: ['swarm-wiz-demo'],
    droplets: [{ id: 1, name: 'demo-support', role: 'support', region: 'fra1', size: 's', tags: [], status: 'active', publicIpv4: '203.0.113.9', privateIpv4: '10.110.0.9' }],
    firewalls: [{ id: 'fw', name: 'demo-internal', spec: {} }],
    dnsRecords: [],
    sshKey: { id: 7, name: 'demo', fingerprint: 'aa' },
    operatorIp: '198.51.100.7',
  },
  swarm: { joinTokens: { manager: 'SWMTKN-manager-secret', worker: 'SWMTKN-worker-secret' }, clusterId: 'c1', managerAddress: '10.110.0.3' },
  nodes: { 'demo-manager-1': { hostKey: 'ssh-ed25519 AAAAhost' } },
  certificates: { attempts: { 'a.com': { failures: [], consecutive: 0 } } },
});

describe("the support server's copy of the project", () => {
  const dir = mkdtempSync(join(tmpdir(), 'swz-support-copy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what renew needs and drops the join tokens, the operator address, firewalls and the SSH key record', () => {
    const copy = supportState(state(), 'demo-support');
    const text = JSON.stringify(copy);
    expect(text).not.toContain('SWMTKN');
    expect(text).not.toContain('198.51.100.7');
    expect(copy).toMatchObject({ runsOn: 'demo-support', target: 'digitalocean', swarm: { clusterId: 'c1', managerAddress: '10.110.0.3' }, nodes: { 'demo-manager-1': { hostKey: 'ssh-ed25519 AAAAhost' } } });
    expect(copy.cloud.firewalls).toEqual([]);
    expect(copy.cloud.sshKey).toBeUndefined();
    expect(parseState(JSON.stringify(copy))).toEqual(copy);
  });

  it("keeps the support server's own failed-attempt record over this folder's", () => {
    const remote = { ...state(), certificates: { attempts: { 'a.com': { failures: [{ at: '2026-11-30T10:00:00Z', reason: 'x' }], consecutive: 1 } } } };
    expect(supportState(state(), 'demo-support', remote).certificates).toEqual(remote.certificates);
  });

  it('holds swarm-wiz, the config, the state (0600), the certificates (keys 0600); the token only with dns-01', async () => {
    const config = parseConfig(SEED_EXAMPLE);
    const sites = siteNamesOf(config);
    await ensurePlaceholders(new CertificateStore(dir), sites);
    const setup = { node: 'demo-support', address: '10.110.0.9', bundle: async () => '#!/usr/bin/env node\n', token: 'dop_v1_secret', caCertPem: '-----BEGIN CERTIFICATE-----\n' };
    const files = await supportFiles({ config, dir, state: state(), setup, sites });
    expect(files.get(SUPPORT_FILES.bundle)).toEqual({ content: '#!/usr/bin/env node\n', mode: 0o755 });
    expect(files.get(SUPPORT_FILES.launcher)).toEqual({ content: LAUNCHER, mode: 0o755 });
    expect(files.get(SUPPORT_FILES.state)?.mode).toBe(0o600);
    expect(files.get(SUPPORT_FILES.caCert)?.content).toBe(setup.caCertPem);
    expect(files.get('.swarm-wiz/certs/a.com/privkey.pem')?.mode).toBe(0o600);
    expect(files.get('.swarm-wiz/certs/a.com/meta.json')?.mode).toBe(0o644);
    expect(config.certificates.challenge).toBe('http-01');
    expect([...files.keys()]).not.toContain(SUPPORT_FILES.token);
    const dns = parseConfig({ ...SEED_EXAMPLE, certificates: { ...SEED_EXAMPLE.certificates, challenge: 'dns-01' } });
    const withToken = await supportFiles({ config: dns, dir, state: state(), setup, sites });
    expect(withToken.get(SUPPORT_FILES.token)).toEqual({ content: 'dop_v1_secret\n', mode: 0o600 });
  });

  it('authorises its key from its VPC address only, without forwarding', () => {
    expect(supportAuthorizedLine('ssh-ed25519 AAAAkey root@support\n', '10.110.0.9', 'swarm-wiz-support:demo')).toBe(
      'from="10.110.0.9",no-agent-forwarding,no-port-forwarding,no-X11-forwarding ssh-ed25519 AAAAkey swarm-wiz-support:demo',
    );
  });
});

describe('a support droplet made again: certificates taken back from the proxy folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swz-served-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const REMOTE = '/srv/swarm-wiz/demo';

  /** A node whose files are `files` (path → text); `cat -- PATH` of anything else exits 1; `unreachable` throws. */
  const node = (files: Map<string, string>, unreachable = false): Shell => ({
    run: async (command) => {
      throw new Error(`unexpected ${command.argv.join(' ')}`);
    },
    probe: async (command) => {
      if (unreachable) throw new Error('ssh: connect to host 10.110.0.9 port 22: Connection timed out');
      if (command.argv[0] !== 'cat') throw new Error(`unexpected ${command.argv.join(' ')}`);
      const text = files.get(command.argv.at(-1)!);
      return text === undefined ? { exitCode: 1, stdout: '', stderr: 'No such file or directory' } : { exitCode: 0, stdout: text, stderr: '' };
    },
  });

  it('takes the newest real certificate a proxy serves when it is newer than this folder; never a placeholder, never an older one; passes over a node it cannot reach', async () => {
    const config = parseConfig({ ...SEED_EXAMPLE, sites: SEED_EXAMPLE.sites.slice(0, 2) });
    const sites = siteNamesOf(config);
    const store = new CertificateStore(dir);
    await ensurePlaceholders(store, sites);
    const day = 86_400_000;
    const ca = await generateCertificate({ names: ['Test CA'], commonName: 'Test CA', isCa: true, notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() + 300 * day) });
    const issued = (names: string[], daysAgo: number) => generateCertificate({ names, issuer: ca, notBefore: new Date(Date.now() - daysAgo * day), notAfter: new Date(Date.now() + (90 - daysAgo) * day) });
    const [first, second] = sites as [SiteNames, SiteNames];
    // This folder: a real certificate for the first site, issued 20 days ago; the second still has its placeholder.
    const old = await issued(allNames(first), 20);
    await store.save(first.domain, old.keyPem, old.certPem + ca.certPem, { names: allNames(first), caDirectoryUrl: 'https://ca.test/dir' });
    const renewed = await issued(allNames(first), 2);
    const older = await issued(allNames(first), 25);
    const served = (domain: string, pair: { certPem: string; keyPem: string }) =>
      new Map([
        [`${REMOTE}/${certificateFiles(domain).chain}`, pair.certPem + ca.certPem],
        [`${REMOTE}/${certificateFiles(domain).key}`, pair.keyPem],
      ]);
    const placeholder = await generateCertificate({ names: allNames(second), notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 30 * day) });
    const nodes = [node(new Map(), true), node(served(first.domain, older)), node(new Map([...served(first.domain, renewed), ...served(second.domain, placeholder)]))];

    const taken = await takeServedCertificates(nodes, dir, REMOTE, sites);
    expect(taken).toEqual([first.domain]);
    const meta = await store.readMeta(first.domain);
    expect(meta).toMatchObject({ serial: certificateMeta(renewed.certPem).serial, placeholder: false, caDirectoryUrl: 'https://ca.test/dir' });
    expect((await store.readMeta(second.domain))?.placeholder).toBe(true);
    // Taken once: the next run finds nothing newer.
    expect(await takeServedCertificates(nodes, dir, REMOTE, sites)).toEqual([]);
  });
});
