import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { planSupport, type SupportFacts } from '../../src/plan/index.js';

const config = (overrides: Record<string, unknown> = {}): Config => parseConfig({ ...SEED_EXAMPLE, ...overrides });
const desiredFiles = new Map([
  ['bin/swarm-wiz.mjs', 'b'.repeat(64)],
  ['bin/swarm-wiz', 'l'.repeat(64)],
  ['swarm-wiz.yaml', 'c'.repeat(64)],
  ['.swarm-wiz/state.json', 's'.repeat(64)],
]);
const facts = (overrides: Partial<SupportFacts> = {}): SupportFacts => ({
  name: 'demo-support',
  dir: '/srv/swarm-wiz/demo',
  desiredFiles,
  crontabMatches: false,
  unauthorized: ['demo-manager-1'],
  token: false,
  ...overrides,
});

describe('planSupport', () => {
  it('installs on a support server that has nothing: every file, the crontab and the key', () => {
    const step = planSupport(config(), facts());
    expect(step).toMatchObject({ kind: 'support', op: 'create', node: 'demo-support', changed: [...desiredFiles.keys()], crontab: true, authorize: ['demo-manager-1'] });
    expect(step.description).toContain('copy swarm-wiz and the project folder');
    expect(step.description).toContain('install the crontab');
    expect(step.warning).toBeUndefined();
  });

  it('is the same when the copy, the crontab and the key match; names only what differs otherwise', () => {
    const same = planSupport(config(), facts({ files: desiredFiles, crontabMatches: true, unauthorized: [] }));
    expect(same.op).toBe('same');
    const changedState = new Map(desiredFiles).set('.swarm-wiz/state.json', 'x'.repeat(64));
    const update = planSupport(config(), facts({ files: changedState, crontabMatches: true, unauthorized: ['demo-worker-2'] }));
    expect(update).toMatchObject({ op: 'update', changed: ['.swarm-wiz/state.json'], crontab: false, authorize: ['demo-worker-2'] });
    expect(update.description).toContain('copy .swarm-wiz/state.json; authorise its SSH key on demo-worker-2');
  });

  it('a support droplet made again: says what was lost with the old one and which certificates came back from the proxies', () => {
    const taken = planSupport(config(), facts({ copyLost: { fromProxies: ['a.com'] }, taken: ['a.com'] }));
    expect(taken.op).toBe('create');
    expect(taken.warning).toMatch(/^demo-support holds no copy of the project \(its droplet was made again\): it gets this folder's copy, renewal state included; the certificates it had renewed for a\.com were taken back from the proxies\. Lost with the old droplet: its own record of alerts sent/);
    const none = planSupport(config(), facts({ copyLost: { fromProxies: [] }, token: true }));
    expect(none.warning).toContain("no certificate the proxies serve is newer than this folder's");
    expect(none.warning).toContain('; certificates.challenge is dns-01: the DigitalOcean API token is copied');
  });

  it('says in the plan that the DigitalOcean token is copied (dns-01), and which certificates it took back', () => {
    const step = planSupport(config(), facts({ token: true, taken: ['a.com'] }));
    expect(step.warning).toMatch(/DigitalOcean API token is copied to demo-support \(\/srv\/swarm-wiz\/demo\/\.swarm-wiz\/digitalocean-token, readable by root only\)/);
    expect(step.description).toContain('the certificates it renewed for a.com were copied into this project folder first');
  });
});
