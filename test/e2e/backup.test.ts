import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configToYaml, parseConfig, type Config } from '../../src/config/index.js';
import { requireRestic, resticBinary, startS3, type S3Peer } from '../peers/s3.js';
import { runArgv } from '../peers/tools.js';
import { buildDataServiceImage, hostDocker } from '../recipes/private-swarm.js';
import { docker, eventually, startLocalHarness, type LocalHarness } from './local-harness.js';

/**
 * Backups of a volume on this machine's swarm (`--target local`) to a real S3 server (s3rver over
 * HTTPS, where Spaces would be), with Debian 13's restic: setup, a `backup.before` dump, backup now, the
 * volume lost, restore, a wrong password. The same use cases run on droplets over SSH.
 */
const PROJECT = 'bkp';
const IMAGE = 'swz-local/a1-data:bkp';
const VOLUME = `${PROJECT}_a1-data`;
const KEYS = { accessKeyId: 'SWZTESTKEYID0001', secretAccessKey: 'swz-test-secret-key-0123456789abcdef' };
const BEFORE = 'cat /data/rows > /data/dump.txt';
let h: LocalHarness;
let s3: S3Peer;
let s3Dir: string;
/** Every output of swarm-wiz in this file: no key or password may be in any. */
const outputs: string[] = [];

const env = () => ({ PATH: `${dirname(resticBinary())}:${process.env.PATH}`, SWARM_WIZ_S3_ACCESS_KEY_ID: KEYS.accessKeyId, SWARM_WIZ_S3_SECRET_ACCESS_KEY: KEYS.secretAccessKey });
async function swarmWiz(args: string[], stdin?: string) {
  const run = await h.swarmWiz([...args, '--config', h.configPath], env(), stdin);
  outputs.push(run.stdout, run.stderr);
  return run;
}

function withBackedUpService(config: Config): Config {
  return parseConfig({
    ...config,
    sites: config.sites.map((site, i) => (i === 0 ? { ...site, private: site.private.map((svc) => ({ ...svc, image: IMAGE, health: '/', volumes: ['a1-data:/data'], backup: { before: BEFORE } })) } : site)),
  });
}

async function inA1(script: string): Promise<string> {
  const id = await eventually('the a1 container', async () => (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_a1`])).trim().split('\n')[0] ?? '', (found) => found !== '', 60);
  return docker(['exec', id, 'sh', '-c', script]);
}

const rows = async () => (await inA1('cat /data/rows 2>/dev/null || true')).trim().split('\n').filter(Boolean);

async function removeVolume(): Promise<void> {
  const containers = (await runArgv('docker', ['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${PROJECT}`])).stdout.split('\n').filter(Boolean);
  if (containers.length > 0) await runArgv('docker', ['rm', '-f', ...containers]);
  await runArgv('docker', ['volume', 'rm', '-f', VOLUME]);
}

beforeAll(async () => {
  requireRestic();
  await removeVolume();
  s3Dir = await mkdtemp(join(tmpdir(), 'swz-s3-'));
  s3 = await startS3({ dir: s3Dir, bucket: 'backups', ...KEYS });
  h = await startLocalHarness(PROJECT);
  await buildDataServiceImage(hostDocker, IMAGE, 'v1', 5001);
  await writeFile(h.configPath, configToYaml(withBackedUpService(h.config)));
  const applied = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
  expect(applied.code, applied.stdout.slice(-3000) + applied.stderr).toBe(0);
}, 400_000);

afterAll(async () => {
  await h?.stop();
  await removeVolume();
  await runArgv('docker', ['image', 'rm', '-f', IMAGE]);
  await s3?.stop();
  if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
}, 180_000);

describe('backups of a volume on the local swarm, to S3 with restic', () => {
  it('backup setup: checks the endpoint and bucket, creates the repository, stores the keys 0600 outside swarm-wiz.yaml', async () => {
    const bad = await swarmWiz(['backup', 'setup', '--target', 'local', '--endpoint', 'ftp://x', '--bucket', 'backups']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--endpoint: "ftp://x" is not an http(s) URL');
    const badBucket = await swarmWiz(['backup', 'setup', '--target', 'local', '--endpoint', s3.endpoint, '--bucket', 'Back_Ups']);
    expect(badBucket.code).toBe(2);
    expect(badBucket.stderr).toContain('--bucket: "Back_Ups" is not a bucket name');
    const settingsFile = join(h.dir, '.swarm-wiz', 'backup.json');
    await expect(stat(settingsFile)).rejects.toThrow();

    const setup = await swarmWiz(['backup', 'setup', '--target', 'local', '--endpoint', s3.endpoint, '--bucket', 'backups', '--ca-cert', s3.caFile]);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(setup.stdout).toContain(`Backups go to s3:${s3.endpoint}/backups/${PROJECT} (a new repository, created from local).`);
    expect((await stat(settingsFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(h.configPath, 'utf8')).not.toContain(KEYS.accessKeyId);
    const again = await swarmWiz(['backup', 'setup', '--target', 'local', '--endpoint', s3.endpoint, '--bucket', 'backups', '--ca-cert', s3.caFile]);
    expect(again.stdout).toContain('(the repository there, opened from local)');
  }, 120_000);

  it('backup now: backup.before runs first and its dump is in the snapshot; backup ls lists it with its size', async () => {
    await inA1('for i in 1 2 3; do echo "row $i" >> /data/rows; done');
    const backup = await swarmWiz(['backup', 'now', '--target', 'local']);
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    expect(backup.stdout).toContain('a1: backup.before in its container on local');
    expect(backup.stdout).toMatch(new RegExp(`✔ ${VOLUME} \\(a1 on local\\): snapshot [0-9a-f]{8}, `));
    const listed = await swarmWiz(['backup', 'ls', '--target', 'local', '--json']);
    const snapshots = JSON.parse(listed.stdout) as { id: string; volume: string; service: string; bytes: number }[];
    expect(snapshots.map((snapshot) => [snapshot.volume, snapshot.service])).toEqual([[VOLUME, 'a1']]);
    expect(snapshots[0]!.bytes).toBeGreaterThan(0);
    const files = JSON.parse((await swarmWiz(['backup', 'ls', '--target', 'local', '--json', '--files', snapshots[0]!.id])).stdout) as { path: string }[];
    expect(files.map((file) => file.path.split('/').pop())).toEqual(expect.arrayContaining(['rows', 'dump.txt', 'log']));
    const records = JSON.parse(await readFile(join(h.dir, '.swarm-wiz', 'backups.json'), 'utf8')) as { volumes: Record<string, { ok: boolean; snapshot: string }> };
    expect(records.volumes[VOLUME]).toMatchObject({ ok: true, snapshot: snapshots[0]!.id });
    const status = await swarmWiz(['status', '--no-probe', '--target', 'local']);
    expect(status.stdout, `exit ${status.code}: ${status.stderr}`).toMatch(new RegExp(`Backups[\\s\\S]*${VOLUME} +a1 +backed up \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`));
  }, 180_000);

  it('the volume lost: restore asks (--yes without a terminal), brings back the rows of the backup and not the later ones, and the service is healthy', async () => {
    await inA1('echo "row 4" >> /data/rows; echo "row 5" >> /data/rows');
    expect(await rows()).toEqual(['row 1', 'row 2', 'row 3', 'row 4', 'row 5']);
    const unconfirmed = await swarmWiz(['restore', 'a1', '--target', 'local']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout).toContain(`This stops a1 and replaces its data on local:`);
    expect(unconfirmed.stderr).toContain('give --yes when there is no terminal');
    expect(await rows()).toHaveLength(5);

    // Lost: the service stopped, its container and its volume gone (as on a new droplet).
    await docker(['service', 'scale', '--detach', `${PROJECT}_a1=0`]);
    await eventually('a1 stopped', async () => (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_a1`])).trim(), (ids) => ids === '', 60);
    await removeVolume();
    const started = Date.now();
    const restored = await swarmWiz(['restore', 'a1', '--target', 'local', '--yes']);
    console.log(`restore of ${VOLUME} onto a new volume: ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${restored.code})`);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/Restored a1 on local in [\d.]+ s; it is up again\./);
    expect(await rows()).toEqual(['row 1', 'row 2', 'row 3']);
    expect((await inA1('cat /data/dump.txt')).trim().split('\n')).toEqual(['row 1', 'row 2', 'row 3']);
    expect(await docker(['ps', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_a1`, '--format', '{{.Status}}'])).toContain('(healthy)');
  }, 300_000);

  it('a wrong repository password: one clear line, exit 1, recorded as failed, nothing written to the bucket', async () => {
    const settingsFile = join(h.dir, '.swarm-wiz', 'backup.json');
    const good = await readFile(settingsFile, 'utf8');
    const before = await s3.storedBytes();
    await writeFile(settingsFile, JSON.stringify({ ...(JSON.parse(good) as object), password: 'not-the-password-of-this-repo' }), { mode: 0o600 });
    try {
      const run = await swarmWiz(['backup', 'now', 'a1', '--target', 'local']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`✘ ${VOLUME} (a1 on local): the repository password in .swarm-wiz/backup.json does not open the backup repository s3:${s3.endpoint}/backups/${PROJECT}`);
      const records = JSON.parse(await readFile(join(h.dir, '.swarm-wiz', 'backups.json'), 'utf8')) as { volumes: Record<string, { ok: boolean; lastGood?: string }> };
      expect(records.volumes[VOLUME]).toMatchObject({ ok: false });
      expect(records.volumes[VOLUME]!.lastGood).toBeDefined();
      expect(await s3.storedBytes()).toBe(before);
      // status --check warns (exit 1 at least) with the volume's key; the cron run's --alert would send it.
      const check = await swarmWiz(['status', '--check', '--no-probe', '--json', '--target', 'local']);
      const problems = (JSON.parse(check.stdout) as { problems: { key: string; severity: string; line: string }[] }).problems;
      expect(check.code, check.stdout).toBeGreaterThanOrEqual(1);
      expect(problems.find((problem) => problem.key === `backup:${VOLUME}:failed`)).toMatchObject({ severity: 'warning', line: expect.stringContaining('does not open the backup repository') });
    } finally {
      await writeFile(settingsFile, good, { mode: 0o600 });
    }
  }, 120_000);

  it('the keys and the password are in no output and in no file outside .swarm-wiz', async () => {
    const settings = JSON.parse(await readFile(join(h.dir, '.swarm-wiz', 'backup.json'), 'utf8')) as { password: string };
    const secrets = [KEYS.accessKeyId, KEYS.secretAccessKey, settings.password];
    for (const output of outputs) for (const secret of secrets) expect(output).not.toContain(secret);
    const files = (await readdir(h.dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    for (const file of files) {
      const path = join(file.parentPath, file.name);
      const text = await readFile(path, 'utf8');
      const holds = secrets.some((secret) => text.includes(secret));
      if (holds) {
        expect(path.startsWith(join(h.dir, '.swarm-wiz') + '/'), path).toBe(true);
        expect((await stat(path)).mode & 0o077, path).toBe(0);
      }
    }
  });
});
