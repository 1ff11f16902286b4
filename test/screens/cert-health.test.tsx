import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { CertHealth, CertStatusRow } from '../../src/certs/cert-status.js';
import { CERT_HEALTH } from '../../screens/cert-health.js';
import { CertStatusScreen } from '../../screens/cert-status.js';
import { StatusScreen } from '../../screens/status.js';

const HEALTHS: CertHealth[] = ['ok', 'due', 'expired', 'missing', 'placeholder', 'error'];

const row = (health: CertHealth): CertStatusRow => ({ domain: `${health}.test`, names: [`${health}.test`], health, live: [] });

describe('one certificate-health table for the status and certs screens', () => {
  it('gives every health its own words', () => {
    const labels = HEALTHS.map((health) => CERT_HEALTH[health].label);
    expect(new Set(labels).size).toBe(HEALTHS.length);
  });

  it.each(HEALTHS)('%s reads the same in `certs` and in `status`', (health) => {
    const certs = render(<CertStatusScreen rows={[row(health)]} now={new Date('2026-12-05T00:00:00Z')} />).lastFrame() ?? '';
    const status = render(<StatusScreen snapshot={{ project: 'p', at: '2026-12-05T00:00:00.000Z', certificates: [row(health)], nodes: [], services: [], served: [], cluster: { state: 'ok' } }} />).lastFrame() ?? '';
    const line = (frame: string) => frame.split('\n').find((text) => text.includes(`${health}.test`)) ?? `(no line for ${health}.test in:\n${frame})`;
    expect(line(certs)).toContain(CERT_HEALTH[health].label);
    expect(line(status)).toContain(CERT_HEALTH[health].label);
  });
});
