import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNewHostsDns } from '../../src/app/add-domain.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { emptyState, type State } from '../../src/state/index.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { freePort } from '../support/net.js';

/** The DNS check add-domain runs before anything changes, against challtestsrv (a real DNS server on loopback). */
let pebble: PebblePeer;

beforeAll(async () => {
  pebble = await startPebble({ httpPort: await freePort(), defaultIPv4: '' });
}, 60_000);

afterAll(async () => {
  await pebble?.stop();
});

const config = parseConfig({ ...SEED_EXAMPLE, topology: 'manager', sites: [...SEED_EXAMPLE.sites, { domain: 'd.example.com', aliases: ['www.d.example.com'], service: { name: 'service-d', image: 'ghcr.io/me/d:1', port: 5000 } }] });
const delta = { certificate: ['d.example.com', 'www.d.example.com'] };

function droplets(ip?: string): State {
  const state = emptyState('demo');
  state.cloud.droplets = [{ id: 1, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's-1vcpu-2gb', tags: ['demo'], status: 'active', ...(ip ? { publicIpv4: ip } : {}) }];
  return state;
}

describe('checkNewHostsDns', () => {
  it('on droplets: ok when every record is the entry droplet\'s recorded IP; names the stray address otherwise; "no record" when none', async () => {
    await pebble.challtestsrv.addA('d.example.com', ['198.51.100.7']);
    await pebble.challtestsrv.addA('www.d.example.com', ['198.51.100.7', '192.0.2.9']);
    const checks = await checkNewHostsDns({ config, state: droplets('198.51.100.7'), delta, dnsServers: [pebble.dnsServer] });
    expect(checks.map((c) => [c.host, c.verdict])).toEqual([
      ['d.example.com', 'ok'],
      ['www.d.example.com', 'wrong'],
    ]);
    expect(checks[0]!.line).toBe('d.example.com → 198.51.100.7 (demo-manager-1)');
    expect(checks[1]!.line).toContain('www.d.example.com points to 192.0.2.9, not to 198.51.100.7 (demo-manager-1)');
    await pebble.challtestsrv.clearA('www.d.example.com');
    const none = await checkNewHostsDns({ config, state: droplets('198.51.100.7'), delta, dnsServers: [pebble.dnsServer] });
    expect(none[1]).toMatchObject({ verdict: 'none', line: 'www.d.example.com has no A or AAAA record: create A www.d.example.com → 198.51.100.7' });
    await pebble.challtestsrv.clearA('d.example.com');
  });

  it('--target local: any address of this machine counts', async () => {
    await pebble.challtestsrv.addA('d.example.com', ['127.0.0.1']);
    await pebble.challtestsrv.addA('www.d.example.com', ['192.0.2.9']);
    const state = { ...emptyState('demo'), target: 'local' as const };
    const checks = await checkNewHostsDns({ config, state, delta, dnsServers: [pebble.dnsServer] });
    expect(checks.map((c) => c.verdict)).toEqual(['ok', 'wrong']);
    await pebble.challtestsrv.clearA('d.example.com');
    await pebble.challtestsrv.clearA('www.d.example.com');
  });

  it('an entry that does not exist yet, or a host whose record swarm-wiz creates: not looked up, marked unknown', async () => {
    let lookups = 0;
    const lookup = async () => {
      lookups += 1;
      return [];
    };
    const checks = await checkNewHostsDns({ config, state: droplets(), delta, lookup, managedHosts: new Set(['www.d.example.com']) });
    expect(checks.map((c) => c.verdict)).toEqual(['unknown', 'unknown']);
    expect(checks[0]!.line).toBe('d.example.com: must point to demo-manager-1, which does not exist yet; checked before its certificate is ordered');
    expect(checks[1]!.line).toContain('swarm-wiz creates its A record');
    expect(lookups).toBe(0);
  });
});
