import { describe, expect, it } from 'vitest';
import { LOGS_SINCE, serviceLogs } from '../../src/commands/index.js';

describe('serviceLogs: docker service logs as argv', () => {
  it('only the flags asked for, the service last', () => {
    expect(serviceLogs('demo_proxy', { follow: false }).argv).toEqual(['docker', 'service', 'logs', '--no-trunc', 'demo_proxy']);
    expect(serviceLogs('demo_web', { follow: true, since: '10m', tail: 5 }).argv).toEqual(['docker', 'service', 'logs', '--no-trunc', '--follow', '--since', '10m', '--tail', '5', 'demo_web']);
  });

  it.each(['30s', '10m', '2h', '2026-12-06', '2026-12-06T05:00', '2026-12-06T05:00:00Z', '2026-12-06T05:00:00.5+01:00'])('--since %s is a time', (since) => expect(LOGS_SINCE.test(since)).toBe(true));
  it.each(['', '10', '10d', 'yesterday', '-1h', '10m; rm -rf /', '2026-12-06 05:00'])('--since %j is not', (since) => expect(LOGS_SINCE.test(since)).toBe(false));
});
