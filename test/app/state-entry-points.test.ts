import { describe, expect, it } from 'vitest';
import { entryPointsFromState } from '../../src/app/state-entry-points.js';
import { emptyState } from '../../src/state/index.js';
import { seedConfigUnderTest } from '../certs/harness.js';

describe('entryPointsFromState', () => {
  const config = seedConfigUnderTest('https://pebble.invalid/dir');
  const fallback = async (host: string) => [{ address: `fallback-for-${host}`, port: 1 }];

  it('uses the recorded IP of the droplet each host points to (topology manager), else the fallback', async () => {
    const state = emptyState(config.project);
    state.cloud.droplets.push({ id: 1, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's', tags: [], status: 'active', publicIpv4: '203.0.113.7' });
    const entries = entryPointsFromState(config, state, 80, fallback);
    expect(await entries('www.a.test')).toEqual([{ address: '203.0.113.7', port: 80 }]);
    expect(await entries('c.test')).toEqual([{ address: '203.0.113.7', port: 80 }]);
    expect(await entries('unknown.test')).toEqual([{ address: 'fallback-for-unknown.test', port: 1 }]);
  });

  it('falls back to DNS while nothing is provisioned', async () => {
    const entries = entryPointsFromState(config, emptyState(config.project), 443, fallback);
    expect(await entries('a.test')).toEqual([{ address: 'fallback-for-a.test', port: 1 }]);
  });
});
