import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupNow, backupSetup, restore } from '../../src/app/backup.js';
import { backupSettingsFile, readBackupRecords, recordBackups, writeBackupSettings } from '../../src/app/backup-files.js';
import { UsageError } from '../../src/app/errors.js';
import type { ConnectNodes } from '../../src/app/manager.js';
import type { Command } from '../../src/commands/command.js';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { loadState, saveState } from '../../src/state/index.js';
import type { CommandResult, Shell } from '../../src/targets/index.js';
import { dropletProjects } from '../support/droplet-project.js';

const config: Config = parseConfig({
  ...SEED_EXAMPLE,
  topology: 'manager',
  sites: [{ domain: 'a.test', service: { name: 'web', image: 'x/web:1', port: 5000 }, private: [{ name: 'db', image: 'postgres:16', port: 5432, volumes: ['db-data:/var/lib/postgresql/data'], backup: { before: 'pg_dumpall -U postgres > /var/lib/postgresql/data/dump.sql' } }] }],
});
const SETTINGS = { endpoint: 'https://fra1.digitaloceanspaces.com', bucket: 'shop-backups', accessKeyId: 'DO00KEYIDKEYID', secretAccessKey: 'secret-key-that-must-not-show', password: 'repository-password-never-shown' };

const newProject = dropletProjects('swarm-wiz-backup-');
const project = () => newProject(config);

/** Droplets whose commands answer by their argv: `answer` returns a result, or undefined for exit 0 with no output. */
function droplets(answer: (argv: readonly string[]) => Partial<CommandResult> | undefined) {
  const ran: { node: string; command: Command }[] = [];
  const connect: ConnectNodes = (options) => {
    const shell = (node: string): Shell => {
      const exec = async (command: Command, probe: boolean): Promise<CommandResult> => {
        ran.push({ node, command });
        const result = { exitCode: 0, stdout: '', stderr: '', ...answer(command.argv) };
        if (result.exitCode !== 0 && !probe) throw Object.assign(new Error(`${command.description} failed`), result);
        return result;
      };
      return { run: (command) => exec(command, false), probe: (command) => exec(command, true) };
    };
    return Promise.resolve({ target: { kind: 'digitalocean', nodes: () => options.nodes, shell, close: async () => undefined }, dispose: async () => undefined });
  };
  return { connect, ran };
}

const restic = (argv: readonly string[]): string[] => argv.slice(argv.indexOf('restic') + 1);

describe('backup setup', () => {
  it('refuses a bad bucket, endpoint or password naming the flag, and stores nothing', async () => {
    const { dir, configPath } = await project();
    const base = { dir, configPath, local: false, bucket: 'shop-backups', accessKeyId: 'KEY', secretAccessKey: 'SECRET' };
    await expect(backupSetup({ ...base, bucket: 'Shop_Backups' })).rejects.toThrow(new UsageError('--bucket: "Shop_Backups" is not a bucket name (3–63 lower-case letters, digits, \'.\' and \'-\', a letter or digit at each end)'));
    await expect(backupSetup({ ...base, endpoint: 'https://fra1.digitaloceanspaces.com/shop-backups' })).rejects.toThrow(/^--endpoint: .* has a path; give the server only/);
    await expect(backupSetup({ ...base, endpoint: 'https://key:secret@fra1.digitaloceanspaces.com' })).rejects.toThrow(/^--endpoint: the URL has a user or password in it/);
    await expect(backupSetup({ ...base, endpoint: 'sftp://host' })).rejects.toThrow(/is not an http\(s\) URL/);
    await expect(backupSetup({ ...base, password: 'short' })).rejects.toThrow(/shorter than 16 characters/);
    await expect(backupSetup({ ...base, accessKeyId: 'has space' })).rejects.toThrow(/SWARM_WIZ_S3_ACCESS_KEY_ID\) is not a key/);
    await expect(stat(backupSettingsFile(dir))).rejects.toThrow();
  });

  it("a repository the password does not open (restic's exit 12): an error naming it, and nothing stored", async () => {
    const { dir, configPath } = await project();
    const fake = droplets((argv) => (argv.includes('version') && argv[0] === 'restic' ? { stdout: 'restic 0.18.0 compiled with go1.24 on linux/amd64\n' } : restic(argv)[0] === 'cat' ? { exitCode: 12, stderr: 'Fatal: wrong password or no key found\n' } : undefined));
    await expect(backupSetup({ dir, configPath, local: false, connect: fake.connect, bucket: 'shop-backups', accessKeyId: 'KEY', secretAccessKey: 'SECRET', password: 'a-password-of-another-repo' })).rejects.toThrow(
      'the repository password in .swarm-wiz/backup.json does not open the backup repository s3:https://fra1.digitaloceanspaces.com/shop-backups/demo: nothing was backed up or changed',
    );
    await expect(stat(backupSettingsFile(dir))).rejects.toThrow();
    expect(fake.ran.some((r) => restic(r.command.argv)[0] === 'init')).toBe(false);
  });
});

describe('backup setup on droplets', () => {
  it('opens the repository from the manager, stores the settings 0600 and copies them to the support server at once, secrets on stdin only', async () => {
    const { dir, configPath } = await project();
    const fake = droplets((argv) => (argv[0] === 'restic' && argv.includes('version') ? { stdout: 'restic 0.18.0 compiled with go1.24 on linux/amd64\n' } : undefined));
    const outcome = await backupSetup({ dir, configPath, local: false, connect: fake.connect, bucket: 'shop-backups', accessKeyId: SETTINGS.accessKeyId, secretAccessKey: SETTINGS.secretAccessKey, password: SETTINGS.password });
    expect(outcome).toMatchObject({ repository: 's3:https://fra1.digitaloceanspaces.com/shop-backups/demo', node: 'demo-manager-1', support: { copied: 'demo-support' } });
    expect((await stat(backupSettingsFile(dir))).mode & 0o777).toBe(0o600);
    const copy = fake.ran.filter((r) => r.node === 'demo-support');
    expect(copy.map((r) => r.command.argv.join(' '))).toContain('install -m 0600 /dev/null /srv/swarm-wiz/demo/.swarm-wiz/.backup.json.swarm-wiz-new');
    const written = copy.find((r) => r.command.stdin !== undefined)!;
    expect(JSON.parse(String(written.command.stdin))).toMatchObject({ bucket: 'shop-backups', password: SETTINGS.password });
    expect(written.command.secrets).toEqual(expect.arrayContaining([SETTINGS.secretAccessKey, SETTINGS.password]));
    for (const { command } of fake.ran) for (const secret of [SETTINGS.password, SETTINGS.secretAccessKey]) expect(command.argv.join(' ') + command.description).not.toContain(secret);
  });
});

describe('backup now on droplets', () => {
  it("runs on the node the data label names: backup.before in the service's container, then one snapshot; the secrets go on stdin of 0600 files, never in an argv", async () => {
    const { dir, configPath } = await project();
    await writeBackupSettings(dir, SETTINGS);
    const fake = droplets((argv) => {
      if (argv[0] === 'restic') return { stdout: 'restic 0.18.0 compiled with go1.24 on linux/amd64\n' };
      if (argv.includes('node.label=swarm-wiz.data.db=true')) return { stdout: 'demo-manager-1\n' };
      if (argv[0] === 'docker' && argv[1] === 'ps') return { stdout: 'c0ffee\n' };
      if (argv[1] === 'volume') return { stdout: '/var/lib/docker/volumes/demo_db-data/_data\n' };
      if (restic(argv)[0] === 'backup') return { stdout: '{"message_type":"summary","data_added":100,"data_added_packed":60,"total_files_processed":3,"total_bytes_processed":4096,"snapshot_id":"5eed5eed5eed"}\n' };
      return undefined;
    });
    const results = await backupNow({ dir, configPath, local: false, connect: fake.connect, now: () => new Date('2026-12-06T03:00:00Z') });
    expect(results).toEqual([{ service: 'db', volume: 'demo_db-data', node: 'demo-manager-1', ok: true, snapshot: '5eed5eed5eed', bytes: 4096, added: 60, seconds: expect.any(Number) }]);
    const argvs = fake.ran.map((r) => r.command.argv);
    expect(argvs).toContainEqual(['docker', 'exec', 'c0ffee', 'sh', '-c', 'pg_dumpall -U postgres > /var/lib/postgresql/data/dump.sql']);
    const before = argvs.findIndex((argv) => argv[1] === 'exec');
    const backup = argvs.findIndex((argv) => restic(argv)[0] === 'backup');
    expect(before).toBeGreaterThan(-1);
    expect(backup).toBeGreaterThan(before);
    for (const { command } of fake.ran) {
      for (const secret of [SETTINGS.password, SETTINGS.secretAccessKey]) {
        expect(command.argv.join(' ')).not.toContain(secret);
        expect(command.description).not.toContain(secret);
      }
    }
    const passwordWrite = fake.ran.find((r) => r.command.stdin === SETTINGS.password);
    expect(passwordWrite?.command.secrets).toContain(SETTINGS.password);
    expect(fake.ran.some((r) => r.command.argv.join(' ') === 'install -m 0600 /dev/null /etc/swarm-wiz/backup/.password.swarm-wiz-new')).toBe(true);
    expect((await readBackupRecords(dir))['demo_db-data']).toEqual({ service: 'db', volume: 'demo_db-data', node: 'demo-manager-1', at: '2026-12-06T03:00:00.000Z', ok: true, snapshot: '5eed5eed5eed', bytes: 4096, added: 60, lastGood: '2026-12-06T03:00:00.000Z' });
  });

  it('restic missing or too old on the node: the volume fails with one line saying what to install; recorded, nothing run', async () => {
    const { dir, configPath } = await project();
    await writeBackupSettings(dir, SETTINGS);
    for (const [version, line] of [
      [{ exitCode: 127, stderr: 'env: restic: No such file or directory' }, "restic is not installed on demo-manager-1: install Debian's restic package there (apt-get install restic)"],
      [{ stdout: 'restic 0.14.0 compiled with go1.19.8 on linux/amd64' }, 'restic on demo-manager-1 is 0.14.0; swarm-wiz needs 0.17 or newer (Debian 13 has 0.18)'],
    ] as const) {
      const fake = droplets((argv) => (argv[0] === 'restic' ? version : argv.includes('node.label=swarm-wiz.data.db=true') ? { stdout: 'demo-manager-1\n' } : undefined));
      const [result] = await backupNow({ dir, configPath, local: false, connect: fake.connect });
      expect(result).toMatchObject({ ok: false, error: line });
      expect(fake.ran.some((r) => r.command.argv[1] === 'exec' || restic(r.command.argv)[0] === 'backup')).toBe(false);
    }
  });

  it('an unknown service or one without volumes is a usage error listing those with volumes', async () => {
    const { dir, configPath } = await project();
    await writeBackupSettings(dir, SETTINGS);
    await expect(backupNow({ dir, configPath, local: false, service: 'web' })).rejects.toThrow('web has no volumes to back up (services with volumes: db)');
    await expect(backupNow({ dir, configPath, local: false, service: 'nope' })).rejects.toThrow('nope is not a service in swarm-wiz.yaml (services with volumes: db)');
  });
});

describe('the record of backup runs', () => {
  it("keeps each volume's last good backup through a failed run", async () => {
    const { dir } = await project();
    await recordBackups(dir, [{ service: 'db', volume: 'demo_db-data', node: 'n', at: '2026-12-05T03:00:00Z', ok: true, snapshot: 'a' }]);
    await recordBackups(dir, [{ service: 'db', volume: 'demo_db-data', node: 'n', at: '2026-12-06T03:00:00Z', ok: false, error: 'wrong password' }]);
    expect((await readBackupRecords(dir))['demo_db-data']).toEqual({ service: 'db', volume: 'demo_db-data', node: 'n', at: '2026-12-06T03:00:00Z', ok: false, error: 'wrong password', lastGood: '2026-12-05T03:00:00Z' });
    expect((await stat(join(dir, '.swarm-wiz', 'backups.json'))).mode & 0o777).toBe(0o600);
    await writeFile(join(dir, '.swarm-wiz', 'backups.json'), 'not json');
    expect(await readBackupRecords(dir)).toEqual({});
  });

  describe('restore of a service apply held at 0 replicas (its data droplet was replaced)', () => {
    const SNAPSHOTS = JSON.stringify([{ id: 'abcdef0123456789', short_id: 'abcdef01', time: '2026-12-06T02:00:00Z', paths: ['/var/lib/docker/volumes/demo_db-data/_data'], tags: ['swarm-wiz', 'volume=demo_db-data', 'service=db'] }]);
    async function heldProject() {
      const paths = await project();
      await writeBackupSettings(paths.dir, SETTINGS);
      const state = await loadState(paths.dir, config.project);
      state.data = { placed: ['db'], held: ['db'] };
      await saveState(paths.dir, state);
      return paths;
    }
    /** The new droplet: no volume yet; the service runs only once scaled to 1; `restic restore` answers `restoreExit`. */
    const newDroplet = (restoreExit: number) => {
      let replicas = 0;
      return droplets((argv) => {
        if (argv[0] === 'restic') return { stdout: 'restic 0.18.0 compiled with go1.24 on linux/amd64\n' };
        if (restic(argv)[0] === 'snapshots') return { stdout: SNAPSHOTS };
        if (restic(argv)[0] === 'restore') return restoreExit === 0 ? undefined : { exitCode: restoreExit, stderr: 'Fatal: unable to open repository' };
        if (argv.includes('node.label=swarm-wiz.data.db=true')) return { stdout: 'demo-manager-1\n' };
        if (argv[1] === 'service' && argv[2] === 'scale') replicas = Number(argv.at(-1)!.split('=')[1]);
        if (argv[0] === 'docker' && argv[1] === 'ps') return { stdout: replicas > 0 ? 'Up 2 seconds\n' : '' };
        if (argv[1] === 'volume' && argv[2] === 'inspect') return { stdout: '/var/lib/docker/volumes/demo_db-data/_data\n' };
        return undefined;
      });
    };
    const scales = (fake: ReturnType<typeof droplets>) => fake.ran.map((r) => r.command.argv).filter((argv) => argv[2] === 'scale').map((argv) => argv.at(-1));

    it('a failed restore leaves it stopped (never started on the empty volume) and still held', async () => {
      const { dir, configPath } = await heldProject();
      const fake = newDroplet(1);
      await expect(restore({ dir, configPath, local: false, connect: fake.connect, service: 'db' }, { confirm: async () => true })).rejects.toThrow(/the restore of demo_db-data failed; the volume is as it was/);
      expect(scales(fake)).toEqual(['demo_db=0']);
      expect((await loadState(dir, config.project)).data).toEqual({ placed: ['db'], held: ['db'] });
    });

    it('a restore that succeeds starts it and releases the hold, so the next apply deploys its replica', async () => {
      const { dir, configPath } = await heldProject();
      const fake = newDroplet(0);
      const outcome = await restore({ dir, configPath, local: false, connect: fake.connect, service: 'db' }, { confirm: async () => true });
      expect(outcome).toMatchObject({ service: 'db', node: 'demo-manager-1', volumes: [{ volume: 'demo_db-data', snapshot: 'abcdef01' }] });
      expect(scales(fake)).toEqual(['demo_db=0', 'demo_db=1']);
      expect((await loadState(dir, config.project)).data).toEqual({ placed: ['db'], held: [] });
    });
  });
});
