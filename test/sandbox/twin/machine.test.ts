/**
 * The twin's droplets are Debian 13 machines booted with real cloud-init: swarm-wiz's own user-data
 * installs its packages through apt from a Debian 13 mirror served in an "internet" namespace, from
 * scratch and from a snapshot; a package Debian 13 does not have ends cloud-init in error with apt's
 * own line; a machine stopped leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, requireTool, runArgv } from '../../peers/tools.js';
import { DEBIAN_SUITE, ensureImage, ensureMirror, MIRROR_HOST, saveSnapshot, sizeMiB, snapshotPath, type TwinImage, type TwinMirror } from './image.js';
import { bootMachine, processesOf, type Machine } from './machine.js';
import { packagesOf, projectPackages, userDataFor } from './user-data.js';

const prefix = `swz-tw${randomBytes(2).toString('hex')}`;
const INTERNET = `${prefix}-inet`;
const MIRROR_IP = '198.51.100.1';
const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
const namespaces: string[] = [INTERNET];
const machines: Machine[] = [];
let image: TwinImage;
let mirror: TwinMirror;
let mirrorServer: Promise<unknown> | undefined;
const figures: Record<string, number | string> = {};

async function ip(args: string[]): Promise<void> {
  const result = await runArgv('ip', args);
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
}

/** A droplet's network namespace on the internet bridge (no default route: nothing leaves). */
async function dropletNetns(index: number): Promise<{ netns: string; address: string }> {
  const netns = `${prefix}-d${index}`;
  const address = `198.51.100.${10 + index}`;
  await ip(['netns', 'add', netns]);
  namespaces.push(netns);
  await ip(['-n', INTERNET, 'link', 'add', `d${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await ip(['-n', INTERNET, 'link', 'set', `d${index}`, 'master', 'br0', 'up']);
  await ip(['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
  await ip(['-n', netns, 'link', 'set', 'lo', 'up']);
  return { netns, address };
}

const sshOpen = async (netns: string, address: string): Promise<boolean> =>
  (await runArgv('ip', ['netns', 'exec', netns, 'bash', '-c', `exec 3<>/dev/tcp/${address}/22`], { timeout: 5000 })).code === 0;

/** Boots a droplet and measures when sshd answers and when cloud-init ends. */
async function boot(index: number, userData: string, layers: string[]): Promise<{ machine: Machine; sshSeconds: number; cloudInitSeconds: number; outcome: Awaited<ReturnType<Machine['cloudInit']>> }> {
  const { netns, address } = await dropletNetns(index);
  const started = Date.now();
  const machine = await bootMachine({
    name: `droplet-${index}`,
    cgroup: `${prefix}-d${index}`,
    netns,
    dir: join(dir, `d${index}`),
    layers,
    metaData: `instance-id: ${prefix}-${index}\nlocal-hostname: droplet-${index}\n`,
    userData,
    hosts: [`${MIRROR_IP} ${MIRROR_HOST}`],
  });
  machines.push(machine);
  // sshd answers only once the machine has booted: not at the moment its init starts.
  expect(await sshOpen(netns, address)).toBe(false);
  let sshSeconds = 0;
  const outcome = await eventually(
    `cloud-init on droplet-${index}`,
    async () => {
      if (!sshSeconds && (await sshOpen(netns, address))) sshSeconds = (Date.now() - started) / 1000;
      return machine.cloudInit();
    },
    (value) => value.status === 'done' || value.status === 'error',
    600,
    1000,
  );
  return { machine, sshSeconds, cloudInitSeconds: (Date.now() - started) / 1000, outcome };
}

beforeAll(async () => {
  requireTool('mmdebstrap', ['mmdebstrap', '--version'], 'building the Debian 13 droplet image');
  requireTool('systemd-nspawn (systemd-container)', ['systemd-nspawn', '--version'], 'booting Debian 13 droplets');
  requireTool('apt-ftparchive (apt-utils)', ['apt-ftparchive', '--version'], 'indexing the Debian 13 mirror');
  requireTool('busybox', ['busybox', 'true'], 'serving the Debian 13 mirror');
  let started = Date.now();
  image = await ensureImage();
  figures.imageSeconds = (Date.now() - started) / 1000;
  started = Date.now();
  mirror = await ensureMirror(image, projectPackages());
  figures.mirrorSeconds = (Date.now() - started) / 1000;
  await ip(['netns', 'add', INTERNET]);
  await ip(['-n', INTERNET, 'link', 'set', 'lo', 'up']);
  await ip(['-n', INTERNET, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip(['-n', INTERNET, 'addr', 'add', `${MIRROR_IP}/24`, 'dev', 'br0']);
  await ip(['-n', INTERNET, 'link', 'set', 'br0', 'up']);
  mirrorServer = runArgv('ip', ['netns', 'exec', INTERNET, 'busybox', 'httpd', '-f', '-p', `${MIRROR_IP}:80`, '-h', mirror.dir], { timeout: 1_200_000 });
}, 1_500_000);

afterAll(async () => {
  for (const machine of machines) await machine.stop().catch((error: unknown) => console.error(String(error)));
  await runArgv('ip', ['netns', 'pids', INTERNET]).then(async ({ stdout }) => {
    for (const pid of stdout.split('\n').filter(Boolean)) await runArgv('kill', ['-9', pid]);
  });
  await mirrorServer;
  for (const netns of namespaces) await runArgv('ip', ['netns', 'del', netns]);
  rmSync(dir, { recursive: true, force: true });
  console.log(`twin machine figures: ${JSON.stringify(figures)}`);
}, 120_000);

describe('DigitalOcean twin: Debian 13 droplets with real cloud-init', () => {
  let fresh: Awaited<ReturnType<typeof boot>>;

  it("installs the support droplet's packages through apt from scratch: Debian 13's docker and Node.js, cloud-init done", async () => {
    const userData = userDataFor('support');
    expect(packagesOf(userData)).toContain('nodejs');
    fresh = await boot(1, userData, [image.root]);
    figures.scratchSshSeconds = fresh.sshSeconds;
    figures.scratchCloudInitSeconds = fresh.cloudInitSeconds;
    expect(fresh.outcome.status, fresh.outcome.detail).toBe('done');
    expect(fresh.sshSeconds).toBeGreaterThan(0);
    const { machine } = fresh;
    const versions = await machine.exec(['docker', 'version', '--format', '{{.Client.Version}} {{.Server.Version}}']);
    expect(versions.stdout.trim()).toMatch(/^26\.1\.\d+\S* 26\.1\.\d+/);
    expect((await machine.exec(['node', '--version'])).stdout.trim()).toMatch(/^v20\.19\./);
    // docker-cli is only a Recommends of docker.io in Debian 13: apt's defaults installed it.
    expect((await machine.exec(['dpkg-query', '-W', '-f', '${Status}', 'docker-cli'])).stdout).toBe('install ok installed');
    expect((await machine.exec(['cat', '/etc/debian_version'])).stdout.trim()).toMatch(/^13\./);
    // The user-data's units run as systemd units, started by cloud-init's runcmd.
    expect((await machine.exec(['systemctl', 'is-active', 'docker', 'cron', 'swarm-wiz-acme-webroot'])).stdout.trim().split('\n')).toEqual(['active', 'active', 'active']);
    const installed = await machine.exec(['grep', '-c', 'Unpacking', '/var/log/cloud-init-output.log']);
    figures.scratchPackagesUnpacked = Number(installed.stdout.trim());
    expect(figures.scratchPackagesUnpacked).toBeGreaterThan(10);
    figures.layerMiB = await sizeMiB(machine.upperDir);
    // This machine ran the list through cloud-init and apt: it is what a snapshot of it keeps (kept once per image and list).
    await machine.exec(['systemctl', 'stop', 'docker', 'containerd']);
    await saveSnapshot(machine.upperDir, snapshotPath(image, packagesOf(userData)));
    const upper = machine.upperDir;
    await machine.stop();
    expect(existsSync(upper)).toBe(false);
  }, 900_000);

  it('boots from a snapshot of that package list: cloud-init still runs apt, finds nothing to install, and the engine runs a swarm', async () => {
    const userData = userDataFor('support');
    const snapshot = snapshotPath(image, packagesOf(userData));
    expect(existsSync(snapshot)).toBe(true);
    figures.snapshotMiB = await sizeMiB(snapshot);
    const warm = await boot(2, userData, [snapshot, image.root]);
    figures.snapshotSshSeconds = warm.sshSeconds;
    figures.snapshotCloudInitSeconds = warm.cloudInitSeconds;
    expect(warm.outcome.status, warm.outcome.detail).toBe('done');
    const output = await warm.machine.exec(['cat', '/var/log/cloud-init-output.log']);
    expect(output.stdout).toMatch(/0 newly installed/);
    const swarm = await warm.machine.exec(['docker', 'swarm', 'init', '--advertise-addr', '198.51.100.12']);
    expect(swarm.code, swarm.stderr).toBe(0);
    const overlay = await warm.machine.exec(['docker', 'network', 'create', '-d', 'overlay', '--attachable', 'probe']);
    expect(overlay.code, overlay.stderr).toBe(0);
    // Its own identity, not the snapshot's: a fresh host key and machine id.
    expect((await warm.machine.exec(['cat', '/etc/machine-id'])).stdout.trim()).toMatch(/^[0-9a-f]{32}$/);
    expect(readFileSync(join(warm.machine.rootDir, 'etc/hostname'), 'utf8').trim()).toBe('droplet-2');
    const cgroup = `${prefix}-d2`;
    const rootDir = warm.machine.rootDir;
    await warm.machine.stop();
    expect(processesOf(cgroup)).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(rootDir);
  }, 900_000);

  it("a package Debian 13 does not have: cloud-init ends in error and names it in its own error line", async () => {
    const userData = userDataFor('worker').replace(/^packages:\n/m, 'packages:\n  - docker-ce\n');
    expect(packagesOf(userData)).toContain('docker-ce');
    const bad = await boot(3, userData, [snapshotPath(image, packagesOf(userDataFor('support'))), image.root]);
    expect(bad.outcome.status).toBe('error');
    // cloud-init 25.1's own error line (apt's lines are in the droplet's /var/log/apt, as on DigitalOcean).
    expect(bad.outcome.detail).toMatch(/Failed to install the following packages: \{'docker-ce'\}/);
    await bad.machine.stop();
  }, 900_000);
});

describe('the twin mirror', () => {
  it(`holds Debian ${DEBIAN_SUITE}'s packages for every role's user-data, with their recommends`, () => {
    // What the image lacks of every role's list (openssh-client comes with the image's openssh-server), and docker.io's recommends.
    for (const name of ['docker.io', 'nodejs', 'cron', 'busybox', 'docker-cli', 'containerd', 'runc', 'restic']) expect(mirror.packages).toContain(name);
    expect(projectPackages()).toEqual(['busybox', 'cron', 'docker.io', 'nodejs', 'openssh-client', 'restic']);
  });
});
