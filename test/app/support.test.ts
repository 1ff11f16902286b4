import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { supportFiles, supportState, supportAuthorizedLine, SUPPORT_FILES, LAUNCHER } from '../../src/app/support.js';
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
