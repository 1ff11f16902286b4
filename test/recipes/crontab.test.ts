import { describe, expect, it } from 'vitest';
import { renderCrontab } from '../../recipes/crontab.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';

describe('support/crontab', () => {
  it('a daily backup at 02:<minute>, before the check, only when a service has volumes and only once backup setup copied its settings', () => {
    const withVolumes = parseConfig({ ...SEED_EXAMPLE, sites: SEED_EXAMPLE.sites.map((site, i) => (i === 0 ? { ...site, private: [{ name: 'db', image: 'postgres:17', port: 5432, volumes: ['db-data:/var/lib/postgresql/data'] }] } : { ...site, private: [] })) });
    const lines = renderCrontab(withVolumes).split('\n');
    const backup = lines.find((line) => line.includes('backup now'));
    expect(backup).toMatch(/^\d{1,2} 2 \* \* \* \[ ! -f \/srv\/swarm-wiz\/demo\/\.swarm-wiz\/backup\.json \] \|\| swarm-wiz backup now --scheduled --config \/srv\/swarm-wiz\/demo\/swarm-wiz\.yaml --dir \/srv\/swarm-wiz\/demo$/);
    expect(lines.indexOf(backup!)).toBeLessThan(lines.findIndex((line) => line.includes('swarm-wiz renew')));
    const without = parseConfig({ ...SEED_EXAMPLE, sites: SEED_EXAMPLE.sites.map((site) => ({ ...site, private: [] })) });
    expect(renderCrontab(without)).not.toContain('backup');
  });
});
