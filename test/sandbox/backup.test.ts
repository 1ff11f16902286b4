import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectBytes } from '../peers/s3.js';
import { eventually, requireTool, runArgv } from '../peers/tools.js';
import { down, up } from './sandbox-cli.js';
import { SANDBOX_BACKEND_PORT } from './sandbox-env.js';
import { bindingOf, CRON_JOB_ENV, cronJob, expectOk, fakeApi, inMachine, sandboxClient, siteConfig, type Run, type SandboxClient } from './sandbox-harness.js';

/**
 * Backups in the sandbox (issue 21): a project on droplets whose private service keeps rows in a named
 * volume, backed up with Debian 13's restic on the droplet to the S3 server where Spaces would be (the
 * sandbox's "internet", HTTPS with its own CA). The support server's crontab line runs with cron's
 * environment; a `backup.before` dump is in the snapshot; a wrong password fails cleanly. Then the
 * drill: the droplet holding the data is deleted through the API, apply replaces it and keeps the
 * service at 0 replicas, and restore brings back the rows of the last backup, not the later ones.
 */
const DIR = `/tmp/swz-sandbox-backup-${process.pid}`;
const PROJECT = 'bk';
const REMOTE = `/srv/swarm-wiz/${PROJECT}`;
const MANAGER = `${PROJECT}-manager-1`;
const VOLUME = `${PROJECT}_db-data`;
const SERVICE = `${PROJECT}_db`;
/** The backend image has busybox's sh and no cat: the dump is written with sh's own read and echo. */
const BEFORE = 'while read -r line; do echo "$line"; done < /data/rows > /data/dump.txt';
let client: SandboxClient | undefined;
let dir = '';
/** Every output of swarm-wiz (and of the cron run) in this file: no key or password may be in any. */
const outputs: string[] = [];

const c = (): SandboxClient => {
  if (!client) throw new Error('the sandbox did not come up');
  return client;
};

async function swarmWiz(args: string[], stdin?: string): Promise<Run> {
  const run = await c().swarmWiz(dir, args, stdin);
  outputs.push(run.stdout, run.stderr);
  return run;
}
const apply = (...extra: string[]) => swarmWiz(['apply', '--yes', '--ca-cert', c().env.SANDBOX_CA_CERT!, ...extra]);
const binding = (droplet: string) => bindingOf(c(), droplet);
const managerDocker = async (args: string[]) => runArgv('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${(await binding(MANAGER)).dir}/docker.sock` }, timeout: 120_000 });
const onMachine = async (droplet: string, argv: string[], env: Record<string, string> = {}, timeoutMs = 60_000) => inMachine(c().info, (await binding(droplet)).machine, argv, { env: { ...CRON_JOB_ENV, ...env }, timeoutMs });

/** Runs a script in the db container (on whichever droplet is manager-1 now). */
async function inDb(script: string): Promise<string> {
  const id = await eventually('the db container', async () => (await managerDocker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`])).stdout.trim().split('\n')[0] ?? '', (found) => found !== '', 90, 1000);
  const run = await managerDocker(['exec', id, 'sh', '-c', script]);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}
const rows = async () => (await inDb('[ -f /data/rows ] && while read -r line; do echo "$line"; done < /data/rows; true')).trim().split('\n').filter(Boolean);
const bucketBytes = () => objectBytes(join(c().info.s3.dataDir, c().info.s3.bucket));

beforeAll(async () => {
  requireTool('ip (iproute2)', ['ip', 'netns', 'list'], 'the sandbox');
  await up(DIR, 3);
  client = await sandboxClient(DIR);
}, 300_000);

afterAll(async () => {
  if (dir) await c().swarmWiz(dir, ['destroy', '--yes', '--confirm', PROJECT]).catch(() => undefined);
  await down(DIR);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 300_000);

describe('backups on droplets: restic to S3 where Spaces would be, scheduled from the support server, and the restore drill', () => {
  it('backup setup from the operator: the repository is made from the manager, the keys stay in 0600 files, and the support server gets its copy at once for its daily line', async () => {
    const [site] = siteConfig(['a']);
    dir = await c().project({
      project: PROJECT,
      managers: 1,
      workers: 0,
      topology: 'manager',
      sites: [{ ...site, private: [{ name: 'db', image: 'sandbox/site-a', port: SANDBOX_BACKEND_PORT, health: '/', volumes: ['db-data:/data'], backup: { before: BEFORE } }] }],
    });
    expectOk(await apply(), 'the first apply');
    await eventually('https://a.test/', () => c().get('https://a.test/'), (reply) => reply.body === 'site A', 60);

    const { endpoint, bucket, caFile } = c().info.s3;
    const setup = await swarmWiz(['backup', 'setup', '--bucket', bucket, '--endpoint', endpoint, '--ca-cert', caFile]);
    expectOk(setup, 'backup setup');
    expect(setup.stdout).toContain(`Backups go to s3:${endpoint}/${bucket}/${PROJECT} (a new repository, created from ${MANAGER}).`);
    expect((await stat(join(dir, '.swarm-wiz', 'backup.json'))).mode & 0o777).toBe(0o600);
    const modes = await onMachine(MANAGER, ['sh', '-c', 'stat -c "%a %n" /etc/swarm-wiz/backup /etc/swarm-wiz/backup/*']);
    expectOk(modes, 'stat on the manager');
    const [folder, ...files] = modes.stdout.trim().split('\n');
    expect(folder).toBe('700 /etc/swarm-wiz/backup');
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) expect(file).toMatch(/^600 /);

    // The support server has the settings at once: no apply needed before the scheduled run.
    expect(setup.stdout).toContain(`Copied to the support server ${PROJECT}-support: its crontab backs up every volume daily`);
    expect((await onMachine(`${PROJECT}-support`, ['stat', '-c', '%a', `${REMOTE}/.swarm-wiz/backup.json`])).stdout.trim()).toBe('600');
    const crontab = await onMachine(`${PROJECT}-support`, ['crontab', '-l']);
    expect(crontab.stdout).toMatch(new RegExp(`^\\d{1,2} 2 \\* \\* \\* .*swarm-wiz backup now --scheduled`, 'm'));
  }, 900_000);

  it("the support server's daily line, run with cron's environment, backs up over the VPC and keeps the retention; status here shows that run", async () => {
    await inDb('for i in 1 2; do echo "row $i" >> /data/rows; done');
    const crontab = await onMachine(`${PROJECT}-support`, ['crontab', '-l']);
    const { env } = cronJob(crontab.stdout);
    const line = crontab.stdout.split('\n').find((candidate) => candidate.includes('backup now --scheduled'))!;
    const command = line.trim().split(/\s+/).slice(5).join(' ');
    const run = await onMachine(`${PROJECT}-support`, ['sh', '-c', command], env, 300_000);
    outputs.push(run.stdout, run.stderr);
    console.log(`sandbox backup: the support server's cron backup: exit ${run.code}\n${run.stdout}${run.stderr}`);
    expectOk(run, "the support server's cron backup");
    expect(run.stdout).toContain(`${VOLUME}: keeping 7 daily, 4 weekly and 6 monthly snapshots`);
    expect(run.stdout).toMatch(new RegExp(`✔ ${VOLUME} \\(db on ${MANAGER}\\): snapshot [0-9a-f]{8}`));
    const there = JSON.parse((await onMachine(`${PROJECT}-support`, ['cat', `${REMOTE}/.swarm-wiz/backups.json`])).stdout) as { volumes: Record<string, { ok: boolean; at: string }> };
    expect(there.volumes[VOLUME]).toMatchObject({ ok: true });

    // The operator's folder recorded no run: status reads the support server's record, and nothing is late.
    const status = await swarmWiz(['status', '--json', '--ca-cert', c().env.SANDBOX_CA_ROOT!]);
    const backups = (JSON.parse(status.stdout) as { backups?: { volume: string; last?: { at: string; ok: boolean } }[] }).backups;
    expect(backups?.find((volume) => volume.volume === VOLUME)?.last).toMatchObject({ ok: true, at: there.volumes[VOLUME]!.at });
    const check = await swarmWiz(['status', '--check', '--json', '--ca-cert', c().env.SANDBOX_CA_ROOT!]);
    expect((JSON.parse(check.stdout) as { problems: { key: string }[] }).problems.filter((problem) => problem.key.startsWith('backup:'))).toEqual([]);
  }, 600_000);

  it('backup now from the operator: backup.before runs first in the container and its dump is in the snapshot', async () => {
    await inDb('echo "row 3" >> /data/rows');
    const backup = await swarmWiz(['backup', 'now']);
    expectOk(backup, 'backup now');
    expect(backup.stdout).toContain(`db: backup.before in its container on ${MANAGER}`);
    const snapshots = JSON.parse((await swarmWiz(['backup', 'ls', '--json'])).stdout) as { id: string; volume: string; time: string }[];
    expect(snapshots.map((snapshot) => snapshot.volume)).toEqual([VOLUME, VOLUME]);
    const latest = snapshots.at(-1)!;
    const files = JSON.parse((await swarmWiz(['backup', 'ls', '--json', '--files', latest.id])).stdout) as { path: string }[];
    expect(files.map((file) => file.path.split('/').pop())).toEqual(expect.arrayContaining(['rows', 'dump.txt']));
    // Written after the backup: the restore must not bring these back.
    await inDb('echo "row 4" >> /data/rows; echo "row 5" >> /data/rows');
    expect(await rows()).toEqual(['row 1', 'row 2', 'row 3', 'row 4', 'row 5']);
  }, 300_000);

  it('a wrong repository password: one clear line, exit 1, status --check warns, and the bucket is not written to', async () => {
    const settingsFile = join(dir, '.swarm-wiz', 'backup.json');
    const good = await readFile(settingsFile, 'utf8');
    const before = await bucketBytes();
    await writeFile(settingsFile, JSON.stringify({ ...(JSON.parse(good) as object), password: 'not-the-password-of-this-repo' }), { mode: 0o600 });
    try {
      const run = await swarmWiz(['backup', 'now']);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([
        `✘ ${VOLUME} (db on ${MANAGER}): the repository password in .swarm-wiz/backup.json does not open the backup repository s3:${c().info.s3.endpoint}/${c().info.s3.bucket}/${PROJECT}: nothing was backed up or changed (swarm-wiz backup setup --password-stdin with the right one)`,
        'backup: 1 of 1 volumes not backed up',
      ]);
      expect(await bucketBytes()).toBe(before);
      const check = await swarmWiz(['status', '--check', '--json', '--ca-cert', c().env.SANDBOX_CA_ROOT!]);
      expect(check.code).toBeGreaterThanOrEqual(1);
      expect((JSON.parse(check.stdout) as { problems: { key: string; severity: string }[] }).problems).toContainEqual(expect.objectContaining({ key: `backup:${VOLUME}:failed`, severity: 'warning' }));
    } finally {
      await writeFile(settingsFile, good, { mode: 0o600 });
    }
  }, 300_000);

  it('the drill: the droplet holding the data deleted; apply replaces it and keeps db at 0 replicas; restore brings back the rows of the backup, not the later ones, and db is healthy', async () => {
    const { dropletId } = await binding(MANAGER);
    expect((await fakeApi(c(), 'DELETE', `/v2/droplets/${dropletId}`)).status).toBe(204);
    await eventually(`${MANAGER} gone from its machine`, () => c().bindings(), (bindings) => !bindings.some((b) => b.dropletId === dropletId), 60, 500);

    const replaced = await apply();
    console.log(`sandbox backup: apply after ${MANAGER} was deleted: exit ${replaced.code} in ${(replaced.ms / 1000).toFixed(1)} s`);
    expectOk(replaced, 'apply after the data droplet was deleted');
    expect(replaced.stdout).toContain(`! db is kept at 0 replicas: the droplet that held its data was replaced and backups exist; run swarm-wiz restore db`);
    expect((await managerDocker(['service', 'ls', '--filter', `name=${SERVICE}`, '--format', '{{.Replicas}}'])).stdout.trim()).toBe('0/0');
    await eventually('https://a.test/ on the new droplet', () => c().get('https://a.test/'), (reply) => reply.body === 'site A', 60);
    // A second apply does not start it either: the hold lasts until restore.
    expectOk(await apply(), 'apply again before the restore');
    expect((await managerDocker(['service', 'ls', '--filter', `name=${SERVICE}`, '--format', '{{.Replicas}}'])).stdout.trim()).toBe('0/0');

    const restored = await swarmWiz(['restore', 'db', '--yes']);
    console.log(`sandbox backup: restore onto the new droplet: exit ${restored.code} in ${(restored.ms / 1000).toFixed(1)} s`);
    expectOk(restored, 'restore db');
    expect(restored.stdout).toMatch(new RegExp(`Restored db on ${MANAGER} in [\\d.]+ s; it is up again\\.`));
    expect(await rows()).toEqual(['row 1', 'row 2', 'row 3']);
    expect((await inDb('while read -r line; do echo "$line"; done < /data/dump.txt')).trim().split('\n')).toEqual(['row 1', 'row 2', 'row 3']);
    expect((await managerDocker(['ps', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`, '--format', '{{.Status}}'])).stdout).toContain('(healthy)');
    // The hold is released: the next apply deploys db with its replica.
    const after = await apply();
    expectOk(after, 'apply after the restore');
    expect(after.stdout).not.toContain('kept at 0 replicas');
    expect((await managerDocker(['service', 'ls', '--filter', `name=${SERVICE}`, '--format', '{{.Replicas}}'])).stdout.trim()).toBe('1/1');
    expect(await rows()).toEqual(['row 1', 'row 2', 'row 3']);
  }, 1_200_000);

  it('the keys and the password are in no output, in no file of the project outside .swarm-wiz, and on the droplets only in the 0600 files', async () => {
    const settings = JSON.parse(await readFile(join(dir, '.swarm-wiz', 'backup.json'), 'utf8')) as { password: string; accessKeyId: string; secretAccessKey: string };
    const secrets = [settings.accessKeyId, settings.secretAccessKey, settings.password];
    for (const output of outputs) for (const secret of secrets) expect(output).not.toContain(secret);
    for (const entry of (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())) {
      const path = join(entry.parentPath, entry.name);
      if (path.startsWith(join(dir, '.swarm-wiz') + '/')) continue;
      const text = await readFile(path, 'utf8');
      expect(secrets.filter((secret) => text.includes(secret)), path).toEqual([]);
    }
    for (const droplet of [MANAGER, `${PROJECT}-support`]) {
      const found = await onMachine(droplet, ['sh', '-c', 'for s in "$@"; do grep -rlF -e "$s" /srv/swarm-wiz /etc/swarm-wiz /var/spool/cron 2>/dev/null; done | sort -u', 'sh', ...secrets]);
      const allowed = droplet === MANAGER ? /^\/etc\/swarm-wiz\/backup\// : new RegExp(`^${REMOTE}/\\.swarm-wiz/backup\\.json$`);
      for (const path of found.stdout.split('\n').filter(Boolean)) {
        expect(path, `${droplet}: ${path}`).toMatch(allowed);
        expect((await onMachine(droplet, ['stat', '-c', '%a', path])).stdout.trim(), path).toBe('600');
      }
    }
  }, 120_000);
});
