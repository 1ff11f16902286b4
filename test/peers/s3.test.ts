import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import AWSAccount from 's3rver/lib/models/account.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRestic, resticBinary, startS3, type S3Peer } from './s3.js';
import { canConnect, runArgv } from './tools.js';

/** Every file under `dir`, by its path relative to `dir`, with its content. */
function filesUnder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files[relative(dir, join(entry.parentPath, entry.name))] = readFileSync(join(entry.parentPath, entry.name), 'base64');
  }
  return files;
}

/**
 * Debian 13's restic (what the droplets run) against the S3 peer over HTTPS, configured as product code
 * will: the repository, password file, credentials file and CA through the environment.
 */
describe('S3 peer with restic', () => {
  const BUCKET = 'swz-backups';
  const KEYS = { accessKeyId: 'SWZTESTKEY', secretAccessKey: 'swz-test-secret' };
  let dir: string;
  let s3: S3Peer | undefined;
  let source: string;

  const peer = () => {
    if (!s3) throw new Error('the S3 peer did not start');
    return s3;
  };

  const credentials = (name: string, accessKeyId: string, secretAccessKey: string): string => {
    const path = join(dir, name);
    writeFileSync(path, `[default]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`, { mode: 0o600 });
    return path;
  };

  /** Only these variables: nothing of this machine's AWS_* or RESTIC_* settings reaches restic. */
  const env = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: dir,
    RESTIC_REPOSITORY: `s3:${peer().endpoint}/${BUCKET}/proj`,
    RESTIC_PASSWORD_FILE: join(dir, 'password'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    RESTIC_CACERT: peer().caFile,
    RESTIC_CACHE_DIR: join(dir, 'cache'),
    ...overrides,
  });

  const restic = (args: string[], overrides: Record<string, string> = {}) => runArgv(resticBinary(), args, { env: env(overrides), timeout: 60_000 });

  /** Runs restic for `ms` at most; `running` says it was still running then (and was killed). */
  const resticFor = (ms: number, args: string[], overrides: Record<string, string>) =>
    new Promise<{ running: boolean; code: number | null; stderr: string }>((resolve) => {
      const child = spawn(resticBinary(), args, { env: env(overrides), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ running: code === null, code, stderr });
      });
    });

  beforeAll(async () => {
    requireRestic();
    dir = mkdtempSync(join(tmpdir(), 'swz-s3-'));
    s3 = await startS3({ dir, bucket: BUCKET, ...KEYS });
    writeFileSync(join(dir, 'password'), 'correct horse battery staple\n', { mode: 0o600 });
    credentials('credentials', KEYS.accessKeyId, KEYS.secretAccessKey);
    source = join(dir, 'source');
    mkdirSync(join(source, 'site', 'uploads'), { recursive: true });
    mkdirSync(join(source, 'other'));
    writeFileSync(join(source, 'site', 'index.html'), '<h1>backed up</h1>\n');
    writeFileSync(join(source, 'site', 'uploads', 'photo.bin'), Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)));
    writeFileSync(join(source, 'other', 'not-restored.txt'), 'only in the other folder\n');
  });

  afterAll(async () => {
    await s3?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS on a free port with a CA of its own, and holds an empty bucket', async () => {
    expect(peer().endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(peer().caFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(existsSync(join(peer().dataDir, BUCKET))).toBe(true);
    expect(await peer().storedBytes()).toBe(0);
    // Only the given key pair: the default S3RVER pair is gone.
    expect([...AWSAccount.registry.keys()]).toEqual([KEYS.accessKeyId]);
  });

  it("before init there is no repository: `restic cat config` exits 10", async () => {
    const result = await restic(['cat', 'config']);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain('Fatal: repository does not exist: unable to open config file: Stat: The specified key does not exist.');
  });

  it('inits, backs up with --json, lists the snapshot and restores a folder of it', async () => {
    const init = await restic(['init']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/^created restic repository [0-9a-f]+ at s3:https:\/\/127\.0\.0\.1:\d+\/swz-backups\/proj$/m);

    const backup = await restic(['backup', '--json', source]);
    expect(backup.code, backup.stderr).toBe(0);
    const summary = backup.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message_type: string; snapshot_id?: string; files_new?: number; total_bytes_processed?: number })
      .find((message) => message.message_type === 'summary');
    expect(summary).toMatchObject({ files_new: 3, total_bytes_processed: 200_000 + 19 + 25 });
    const id = summary?.snapshot_id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await peer().storedBytes()).toBeGreaterThan(0);

    const snapshots = await restic(['snapshots', '--json']);
    expect(snapshots.code, snapshots.stderr).toBe(0);
    expect((JSON.parse(snapshots.stdout) as { id: string; paths: string[] }[]).map(({ id, paths }) => ({ id, paths }))).toEqual([{ id, paths: [source] }]);

    const target = join(dir, 'restored');
    const restore = await restic(['restore', `${id}:${source}/site`, '--target', target]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(filesUnder(target)).toEqual(filesUnder(join(source, 'site')));
    expect(Object.keys(filesUnder(target)).sort()).toEqual(['index.html', 'uploads/photo.bin']);
  });

  it('a wrong password exits 12; with --json the error is a JSON line on stderr', async () => {
    const wrongPassword = { RESTIC_PASSWORD_FILE: join(dir, 'wrong-password') };
    writeFileSync(wrongPassword.RESTIC_PASSWORD_FILE, 'not the password\n');
    const plain = await restic(['cat', 'config'], wrongPassword);
    expect(plain.code).toBe(12);
    expect(plain.stderr).toBe('Fatal: wrong password or no key found\n');
    const json = await restic(['snapshots', '--json'], wrongPassword);
    expect(json.code).toBe(12);
    expect(json.stdout).toBe('');
    expect(json.stderr.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      { message_type: 'exit_error', code: 12, message: 'Fatal: wrong password or no key found' },
    ]);
  });

  it('wrong S3 keys: init fails at once; other commands keep retrying (restic retries InvalidAccessKeyId up to 15 minutes)', async () => {
    const wrongKeys = { AWS_SHARED_CREDENTIALS_FILE: credentials('wrong-credentials', 'NOTAKEY', KEYS.secretAccessKey) };
    const refused = 'The AWS Access Key Id you provided does not exist in our records.';

    const init = await restic(['init'], wrongKeys);
    expect(init.code).toBe(1);
    expect(init.stderr).toContain(`: client.BucketExists: ${refused}`);

    const snapshots = await resticFor(4000, ['snapshots', '--json'], wrongKeys);
    expect(snapshots.running).toBe(true);
    expect(snapshots.stderr).toMatch(new RegExp(`^Stat\\(<config/>\\) returned error, retrying after [0-9.]+m?s: Stat: ${refused.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('does not check SigV4 signatures (s3rver): the right key id with a wrong secret is accepted', async () => {
    const result = await restic(['snapshots', '--json'], { AWS_SHARED_CREDENTIALS_FILE: credentials('wrong-secret', KEYS.accessKeyId, 'not-the-secret') });
    expect(result.code, result.stderr).toBe(0);
  });

  it('stops, leaving nothing behind: no listener, no data, no key pair', async () => {
    const { endpoint, dataDir, caFile } = peer();
    await peer().stop();
    expect(await canConnect(Number(new URL(endpoint).port))).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(caFile)).toBe(false);
    expect(AWSAccount.registry.has(KEYS.accessKeyId)).toBe(false);
  });
});
