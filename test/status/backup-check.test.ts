import { describe, expect, it } from 'vitest';
import { checkBackups } from '../../src/status/backup-check.js';

const now = new Date('2026-12-06T12:00:00Z');
const hoursBefore = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();

describe('status --check on backups', () => {
  it('nothing before backup setup, and nothing while every volume has a good backup of the last 26 h', () => {
    expect(checkBackups({ setUp: false, volumes: [{ volume: 'shop_db', service: 'db' }] }, now)).toEqual({ problems: [], exitCode: 0 });
    expect(checkBackups({ setUp: true, since: hoursBefore(100), volumes: [{ volume: 'shop_db', service: 'db', last: { at: hoursBefore(25), ok: true } }] }, now).exitCode).toBe(0);
    // Set up an hour ago, never run yet: not late.
    expect(checkBackups({ setUp: true, since: hoursBefore(1), volumes: [{ volume: 'shop_db', service: 'db' }] }, now).exitCode).toBe(0);
  });

  it('a failed last run and a volume without a good backup for more than 26 h are warnings with stable keys', () => {
    const result = checkBackups(
      {
        setUp: true,
        since: hoursBefore(100),
        volumes: [
          { volume: 'shop_db', service: 'db', last: { at: hoursBefore(2), ok: false, error: 'the repository password in .swarm-wiz/backup.json does not open the backup repository', lastGood: hoursBefore(26.5) } },
          { volume: 'shop_uploads', service: 'web', last: { at: hoursBefore(27), ok: true } },
          { volume: 'shop_cache', service: 'cache' },
        ],
      },
      now,
    );
    expect(result.exitCode).toBe(1);
    expect(result.problems.map((problem) => [problem.key, problem.severity])).toEqual([
      ['backup:shop_db:failed', 'warning'],
      ['backup:shop_uploads:stale', 'warning'],
      ['backup:shop_cache:stale', 'warning'],
    ]);
    expect(result.problems[0]!.line).toBe(`backup of shop_db (db) failed 2 h ago: the repository password in .swarm-wiz/backup.json does not open the backup repository; last good backup ${hoursBefore(26.5)} (26 h ago)`);
    expect(result.problems[1]!.line).toBe(`shop_uploads (web): last good backup ${hoursBefore(27)} (27 h ago), more than 26 h: swarm-wiz backup now web`);
    expect(result.problems[2]!.line).toBe('shop_cache (cache): no good backup yet, more than 26 h: swarm-wiz backup now cache');
  });
});
