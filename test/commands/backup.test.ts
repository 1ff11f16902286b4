import { describe, expect, it } from 'vitest';
import {
  credentialsFileText,
  parseBackupSummary,
  parseLs,
  parseResticVersion,
  parseSnapshots,
  resticBackup,
  resticCatConfig,
  resticRestore,
  type ResticRepository,
} from '../../src/commands/index.js';

const repo: ResticRepository = { url: 's3:https://fra1.digitaloceanspaces.com/bkt/shop', files: { dir: '/etc/swarm-wiz/backup' }, ca: false };

describe('restic as argv data', () => {
  it('names the repository, password file, credentials file and cache by environment; no secret in any argv', () => {
    expect(resticCatConfig(repo).argv).toEqual([
      'env',
      'RESTIC_REPOSITORY=s3:https://fra1.digitaloceanspaces.com/bkt/shop',
      'RESTIC_PASSWORD_FILE=/etc/swarm-wiz/backup/password',
      'AWS_SHARED_CREDENTIALS_FILE=/etc/swarm-wiz/backup/credentials',
      'RESTIC_CACHE_DIR=/etc/swarm-wiz/backup/cache',
      'restic', 'cat', 'config', '--quiet',
    ]);
    expect(resticCatConfig({ ...repo, ca: true }).argv).toContain('RESTIC_CACERT=/etc/swarm-wiz/backup/ca.pem');
    expect(credentialsFileText('AKID', 's3cr3t')).toBe('[default]\naws_access_key_id = AKID\naws_secret_access_key = s3cr3t\n');
  });

  it('backs up a volume as a snapshot of the project (not of the droplet), tagged with the volume and the service', () => {
    const argv = resticBackup(repo, { host: 'shop', path: '/var/lib/docker/volumes/shop_db/_data', volume: 'shop_db', service: 'db' }).argv;
    expect(argv.slice(argv.indexOf('restic'))).toEqual(['restic', 'backup', '--json', '--host', 'shop', '--tag', 'swarm-wiz', '--tag', 'volume=shop_db', '--tag', 'service=db', '/var/lib/docker/volumes/shop_db/_data']);
    const restore = resticRestore(repo, 'abcdef0123456789', '/var/lib/docker/volumes/shop_db/.swarm-wiz-restore').argv;
    expect(restore.slice(restore.indexOf('restic'))).toEqual(['restic', 'restore', '--json', 'abcdef0123456789', '--target', '/var/lib/docker/volumes/shop_db/.swarm-wiz-restore']);
  });

  it("reads restic's JSON: the backup summary, the snapshots, the files of one, its version", () => {
    const backup = [
      '{"message_type":"status","percent_done":0.5}',
      '{"message_type":"summary","files_new":2,"data_added":2108,"data_added_packed":1704,"total_files_processed":2,"total_bytes_processed":8,"snapshot_id":"1017f6e30d0e024b"}',
    ].join('\n');
    expect(parseBackupSummary(backup)).toEqual({ snapshotId: '1017f6e30d0e024b', dataAdded: 2108, dataAddedPacked: 1704, totalBytes: 8, files: 2 });
    expect(parseBackupSummary('{"message_type":"status"}')).toBeUndefined();
    const snapshots = JSON.stringify([
      { id: 'aa11', short_id: 'aa11', time: '2026-12-06T11:00:00Z', paths: ['/v/shop_db/_data'], hostname: 'shop', tags: ['swarm-wiz', 'volume=shop_db', 'service=db'], summary: { total_bytes_processed: 42 } },
      { id: 'bb22', time: '2026-12-06T12:00:00Z', paths: ['/other'], tags: ['someone-else'] },
    ]);
    expect(parseSnapshots(snapshots)).toEqual([{ id: 'aa11', shortId: 'aa11', time: '2026-12-06T11:00:00Z', path: '/v/shop_db/_data', volume: 'shop_db', service: 'db', bytes: 42 }]);
    expect(parseSnapshots('')).toEqual([]);
    const ls = ['{"time":"x","struct_type":"snapshot","message_type":"snapshot"}', '{"name":"dump.sql","type":"file","path":"/v/_data/dump.sql","size":12,"struct_type":"node","message_type":"node"}'].join('\n');
    expect(parseLs(ls)).toEqual([{ path: '/v/_data/dump.sql', type: 'file', size: 12 }]);
    expect(parseResticVersion('restic 0.18.0 compiled with go1.24.4 on linux/amd64')).toEqual([0, 18, 0]);
    expect(parseResticVersion('bash: restic: command not found')).toBeUndefined();
  });
});
