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

  it('says in the plan that the DigitalOcean token is copied (dns-01), and which certificates it took back', () => {
    const step = planSupport(config(), facts({ token: true, taken: ['a.com'] }));
    expect(step.warning).toMatch(/DigitalOcean API token is copied to demo-support \(\/srv\/swarm-wiz\/demo\/\.swarm-wiz\/digitalocean-token, readable by root only\)/);
    expect(step.description).toContain('the certificates it renewed for a.com were copied into this project folder first');
  });
});
