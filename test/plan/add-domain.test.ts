import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE, type Config, type ConfigInput } from '../../src/config/index.js';
import { addDomainDelta, addDomainPlanLines } from '../../src/plan/add-domain.js';

const D_SITE = { domain: 'd.example.com', aliases: ['www.d.example.com'], service: { name: 'service-d', image: 'ghcr.io/me/d:1', port: 5000 }, private: [{ name: 'd1', image: 'ghcr.io/me/d1:1', port: 6000, secrets: ['d1_password'] }] };

function project(overrides: Partial<ConfigInput> = {}): Config {
  return parseConfig({ ...SEED_EXAMPLE, certificates: { ...SEED_EXAMPLE.certificates, delivery: 'files' }, ...overrides });
}

const grow = (config: Config, workers = config.workers): Config => parseConfig({ ...config, workers, sites: [...config.sites, D_SITE] });

describe('addDomainDelta: what adding one site changes', () => {
  it('topology manager, delivery files: the new services, one certificate, no droplet, the proxy kept; the nginx.conf diff adds its server blocks', () => {
    const before = project({ topology: 'manager' });
    const delta = addDomainDelta(before, grow(before));
    expect(delta.services).toEqual([
      { name: 'service-d', image: 'ghcr.io/me/d:1', visibility: 'public', secrets: [] },
      { name: 'd1', image: 'ghcr.io/me/d1:1', visibility: 'private', secrets: ['d1_password'] },
    ]);
    expect(delta.certificate).toEqual(['d.example.com', 'www.d.example.com']);
    expect(addDomainPlanLines(delta, before)).toContain('  ! d1 reads secret d1_password: once added, give it a value with swarm-wiz secret set d1_password (apply stops until every secret has one)');
    expect(delta.newDroplets).toEqual([]);
    expect(delta.proxy).toBe('kept');
    expect(delta.entries).toEqual([
      { host: 'd.example.com', target: 'demo-manager-1' },
      { host: 'www.d.example.com', target: 'demo-manager-1' },
    ]);
    const added = delta.nginxDiff.filter((line) => line.kind === 'add').map((line) => line.text);
    const removed = delta.nginxDiff.filter((line) => line.kind === 'remove').map((line) => line.text);
    expect(added.join('\n')).toContain('server_name d.example.com www.d.example.com;');
    // Only lines for the new site come and go: no other site's block is touched.
    for (const line of [...added, ...removed]) expect(line).not.toMatch(/a\.com|b\.com|c\.com/);
  });

  it('delivery secrets: the proxy service changes (new secrets), so the plan says Swarm replaces its tasks', () => {
    const before = project({ topology: 'manager', certificates: { ...SEED_EXAMPLE.certificates, delivery: 'secrets' } });
    const delta = addDomainDelta(before, grow(before));
    expect(delta.proxy).toBe('replaced');
    expect(addDomainPlanLines(delta, before).join('\n')).toContain('Swarm replaces its tasks');
  });

  it('per-domain: one more worker and one more proxy replica; the running ones stay', () => {
    const before = project({ topology: 'per-domain', workers: 3 });
    const delta = addDomainDelta(before, grow(before, 4));
    expect(delta.newDroplets).toEqual(['demo-worker-4']);
    expect(delta.proxy).toBe('scaled');
    expect(delta.entries[0]).toEqual({ host: 'd.example.com', target: 'demo-worker-4' });
    expect(addDomainPlanLines(delta, before)).toContain('  + droplet demo-worker-4 (topology per-domain: one worker per domain)');
  });

  it('refuses a config that is not the current one plus one site', () => {
    const before = project();
    expect(() => addDomainDelta(before, before)).toThrow(/exactly one more site/);
  });
});
