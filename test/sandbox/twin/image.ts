/**
 * The DigitalOcean twin's droplet image: a Debian 13 ("trixie") root built from Debian's packages with
 * the packages of DigitalOcean's `debian-13-x64` image (systemd, openssh-server, cloud-init, …), and a
 * Debian 13 apt repository of exactly the packages the user-data asks for (with what they depend on and
 * recommend), which the sandbox serves under the mirror's name so that real cloud-init installs them with
 * apt's defaults. Both are built once and cached under TWIN_CACHE (outside the clone, so CI's fresh clone
 * finds them), keyed by what went into them; a snapshot of a machine that ran a package list through
 * cloud-init is cached by that list, as a DigitalOcean snapshot image would be.
 *
 * ```ts
 * const image = await ensureImage();                     // root + mirror key, about 70 s the first time
 * const mirror = await ensureMirror(image, ['docker.io']); // a signed repository, about 10 s
 * ```
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runArgv } from '../../peers/tools.js';
import { alive, readOr } from '../cluster.js';

/** Where the twin keeps what it builds: roots, mirrors, snapshots, the mirror's signing key. */
export const TWIN_CACHE = process.env.SWARM_WIZ_TWIN_CACHE ?? '/opt/swarm-wiz-test/twin';

export const DEBIAN_SUITE = 'trixie';
/** The host name apt on a droplet fetches from (Debian's sources.list in the image). */
export const MIRROR_HOST = 'deb.debian.org';
const UPSTREAM = `http://${MIRROR_HOST}/debian`;

/**
 * What DigitalOcean's Debian 13 image holds beyond a minimal Debian, as far as a droplet shows it:
 * systemd as init, sshd, cloud-init, and the usual tools. Packages the user-data lists are not here:
 * cloud-init installs them with apt, as on a droplet.
 */
export const IMAGE_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'cloud-init', 'iproute2', 'iputils-ping', 'ca-certificates',
  'netbase', 'procps', 'sudo', 'less', 'curl', 'gnupg', 'ifupdown', 'python3',
] as const;

/**
 * The sandbox's own part of the image, each item standing in for what DigitalOcean's platform gives a
 * droplet (changing any of it changes the image's key):
 * - cloud-init reads a NoCloud seed (DigitalOcean: its metadata service), logs root in with the
 *   droplet's keys (`disable_root: false`, as DigitalOcean's image), and leaves the network alone (the
 *   sandbox has set the droplet's addresses before boot, as DigitalOcean's metadata would);
 * - apt trusts the sandbox mirror's signing key (DigitalOcean: Debian's archive key);
 * - a unit before dockerd makes the cgroup controllers and /proc/sys writable: systemd-nspawn mounts them
 *   read-only, a virtual machine does not (../shared/notes/debian13-droplet.md).
 */
const CLOUD_CFG = `# swarm-wiz sandbox (DigitalOcean twin): what DigitalOcean's platform gives a droplet.
datasource_list: [NoCloud]
disable_root: false
network: {config: disabled}
`;
const CGROUP_UNIT = `[Unit]
Description=swarm-wiz sandbox: writable cgroup controllers and /proc/sys (systemd-nspawn mounts them read-only; a droplet's are writable)
DefaultDependencies=no
Before=containerd.service docker.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for c in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$c" || true; done; mount -o remount,rw /proc/sys || true'
[Install]
WantedBy=sysinit.target
`;
const IMAGE_VERSION = 1;

export interface TwinImage {
  /** The Debian 13 root, read-only below each machine's own layer. */
  root: string;
  /** The mirror's signing key (GnuPG home holding its secret key). */
  gnupgHome: string;
  key: string;
}

export interface TwinMirror {
  /** Serve this folder: `<dir>/debian/dists/trixie/…` and `<dir>/debian/pool/…`. */
  dir: string;
  /** Every package file it holds (for the log). */
  packages: string[];
  key: string;
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

async function must(command: string, args: readonly string[], what: string, options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await runArgv(command, args, { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.code !== 0) throw new Error(`${what}: \`${command} ${args.join(' ')}\` exited ${result.code}: ${(result.stderr || result.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return result.stdout;
}

/**
 * Runs `build(tmp)` once for `final`: several test files may ask at the same time, so one builds while
 * the others wait (a lock folder naming the builder's pid; a dead builder's lock is taken over), and the
 * result appears by rename, whole or not at all.
 */
async function buildOnce(final: string, build: (tmp: string) => Promise<void>, waitSeconds = 900): Promise<void> {
  if (existsSync(final)) return;
  mkdirSync(TWIN_CACHE, { recursive: true });
  const lock = `${final}.lock`;
  const until = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (existsSync(final)) return;
      const holder = Number(readOr(join(lock, 'pid')));
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`${final}: another process has been building it for over ${waitSeconds} s (${lock})`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    if (existsSync(final)) return;
    const tmp = `${final}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      await build(tmp);
      renameSync(tmp, final);
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      throw error;
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The mirror's signing key: made once, kept in the cache (the image trusts it, so it changes the image's key). */
export async function ensureSigningKey(): Promise<{ gnupgHome: string; publicKey: string; fingerprint: string }> {
  const gnupgHome = join(TWIN_CACHE, 'mirror-gnupg');
  await buildOnce(gnupgHome, async (tmp) => {
    mkdirSync(tmp, { mode: 0o700 });
    await must('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'swarm-wiz sandbox Debian mirror <sandbox-mirror@invalid>', 'ed25519', 'sign', 'never'], 'making the sandbox mirror key', { env: { ...process.env, GNUPGHOME: tmp } });
    await must('gpgconf', ['--kill', 'all'], 'stopping gpg-agent', { env: { ...process.env, GNUPGHOME: tmp } });
  });
  const env = { ...process.env, GNUPGHOME: gnupgHome };
  const publicKey = join(gnupgHome, 'public.gpg');
  if (!existsSync(publicKey)) await must('gpg', ['--batch', '--yes', '--export', '--output', publicKey], 'exporting the sandbox mirror key', { env });
  const fingerprint = sha(readFileSync(publicKey).toString('base64'));
  return { gnupgHome, publicKey, fingerprint };
}

/** The Debian 13 root with DigitalOcean's image packages and the sandbox's part (see CLOUD_CFG, CGROUP_UNIT). */
export async function ensureImage(): Promise<TwinImage> {
  const signing = await ensureSigningKey();
  const key = sha(JSON.stringify({ IMAGE_VERSION, DEBIAN_SUITE, IMAGE_PACKAGES, CLOUD_CFG, CGROUP_UNIT, mirrorKey: signing.fingerprint }));
  const root = join(TWIN_CACHE, `root-${key}`);
  await buildOnce(root, async (tmp) => {
    await must('mmdebstrap', ['--quiet', '--variant=minbase', `--include=${IMAGE_PACKAGES.join(',')}`, DEBIAN_SUITE, tmp, UPSTREAM], 'building the Debian 13 root (mmdebstrap)', { timeoutMs: 900_000 });
    writeFileSync(join(tmp, 'etc/cloud/cloud.cfg.d/90-swarm-wiz-sandbox.cfg'), CLOUD_CFG);
    copyFileSync(signing.publicKey, join(tmp, 'etc/apt/trusted.gpg.d/swarm-wiz-sandbox-mirror.gpg'));
    writeFileSync(join(tmp, 'etc/systemd/system/swarm-wiz-sandbox-cgroups.service'), CGROUP_UNIT);
    mkdirSync(join(tmp, 'etc/systemd/system/sysinit.target.wants'), { recursive: true });
    symlinkSync('/etc/systemd/system/swarm-wiz-sandbox-cgroups.service', join(tmp, 'etc/systemd/system/sysinit.target.wants/swarm-wiz-sandbox-cgroups.service'));
    // A droplet image has no machine id and no host keys: each droplet makes its own on first boot.
    writeFileSync(join(tmp, 'etc/machine-id'), '');
    for (const file of readdirSync(join(tmp, 'etc/ssh')).filter((name) => name.startsWith('ssh_host_'))) rmSync(join(tmp, 'etc/ssh', file));
    rmSync(join(tmp, 'var/cache/apt/archives'), { recursive: true, force: true });
    mkdirSync(join(tmp, 'var/cache/apt/archives/partial'), { recursive: true });
  });
  return { root, gnupgHome: signing.gnupgHome, key };
}

/**
 * A signed Debian 13 repository holding `packages` and everything apt would install with them on the
 * image (depends and recommends, apt's defaults), laid out as deb.debian.org's `debian/` folder.
 */
export async function ensureMirror(image: TwinImage, packages: readonly string[]): Promise<TwinMirror> {
  const wanted = [...new Set(packages)].sort();
  const key = sha(JSON.stringify({ image: image.key, wanted }));
  const dir = join(TWIN_CACHE, `mirror-${key}`);
  await buildOnce(dir, async (tmp) => {
    const work = join(tmp, '.apt');
    for (const sub of ['lists/partial', 'cache/archives/partial']) mkdirSync(join(work, sub), { recursive: true });
    writeFileSync(join(work, 'sources.list'), `deb ${UPSTREAM} ${DEBIAN_SUITE} main\n`);
    // apt resolves against the image's own dpkg status: it downloads exactly what a droplet would install.
    const apt = [
      '-o', `Dir::Etc::SourceList=${join(work, 'sources.list')}`, '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${join(work, 'lists')}`, '-o', `Dir::Cache=${join(work, 'cache')}`,
      '-o', `Dir::State::status=${join(image.root, 'var/lib/dpkg/status')}`, '-o', 'Debug::NoLocking=1',
      '-o', 'Dir::Etc::Preferences=/dev/null', '-o', 'Dir::Etc::PreferencesParts=/dev/null',
      '-o', `Dir::Etc::TrustedParts=${join(image.root, 'etc/apt/trusted.gpg.d')}`, '-o', 'Dir::Etc::Trusted=/dev/null',
      '-o', 'APT::Architecture=amd64',
    ];
    await must('apt-get', [...apt, '-qq', 'update'], 'reading Debian 13 package lists');
    await must('apt-get', [...apt, '-qq', '-y', '--download-only', 'install', ...wanted], `downloading ${wanted.join(', ')} for Debian 13`, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const debian = join(tmp, 'debian');
    const pool = join(debian, 'pool/main');
    mkdirSync(pool, { recursive: true });
    const archives = join(work, 'cache/archives');
    for (const file of readdirSync(archives).filter((name) => name.endsWith('.deb'))) renameSync(join(archives, file), join(pool, file));
    rmSync(work, { recursive: true, force: true });
    const dist = join(debian, 'dists', DEBIAN_SUITE);
    const binary = join(dist, 'main/binary-amd64');
    mkdirSync(binary, { recursive: true });
    writeFileSync(join(binary, 'Packages'), await must('apt-ftparchive', ['packages', 'pool'], 'indexing the mirror', { cwd: debian }));
    await must('gzip', ['-k', '-9', join(binary, 'Packages')], 'compressing the index');
    const release = await must('apt-ftparchive', [
      '-o', `APT::FTPArchive::Release::Suite=${DEBIAN_SUITE}`, '-o', `APT::FTPArchive::Release::Codename=${DEBIAN_SUITE}`,
      '-o', 'APT::FTPArchive::Release::Components=main', '-o', 'APT::FTPArchive::Release::Architectures=amd64',
      '-o', 'APT::FTPArchive::Release::Origin=Debian', '-o', 'APT::FTPArchive::Release::Label=Debian',
      'release', '.',
    ], 'writing the Release file', { cwd: dist });
    writeFileSync(join(dist, 'Release'), release);
    await must('gpg', ['--batch', '--yes', '--clearsign', '-o', join(dist, 'InRelease'), join(dist, 'Release')], 'signing the mirror', { env: { ...process.env, GNUPGHOME: image.gnupgHome } });
  });
  const packagesText = readOr(join(dir, 'debian/dists', DEBIAN_SUITE, 'main/binary-amd64/Packages'));
  return { dir, key, packages: [...packagesText.matchAll(/^Package: (.+)$/gm)].map((match) => match[1]!) };
}

/** Where a snapshot of a machine that ran `packages` through cloud-init on `image` is kept (may not exist yet). */
export function snapshotPath(image: TwinImage, packages: readonly string[]): string {
  return join(TWIN_CACHE, `snapshot-${sha(JSON.stringify({ image: image.key, packages: [...new Set(packages)].sort() }))}`);
}

/**
 * Keeps a machine's own layer as a snapshot image, without what belongs to one droplet: cloud-init's
 * instance data and seed, host keys, machine id, host name, root's keys, logs, the engine's id.
 */
export async function saveSnapshot(upperDir: string, path: string): Promise<void> {
  await buildOnce(path, async (tmp) => {
    await must('cp', ['-a', upperDir, tmp], 'copying the machine layer');
    for (const own of ['var/lib/cloud/instance', 'var/lib/cloud/instances', 'var/lib/cloud/seed', 'var/lib/cloud/data', 'etc/hostname', 'etc/hosts', 'root/.ssh', 'var/lib/docker/engine-id', 'var/log', 'etc/resolv.conf', 'var/cache/apt/archives', 'var/lib/apt/lists']) {
      rmSync(join(tmp, own), { recursive: true, force: true });
    }
    const ssh = join(tmp, 'etc/ssh');
    if (existsSync(ssh)) for (const file of readdirSync(ssh).filter((name) => name.startsWith('ssh_host_'))) rmSync(join(ssh, file), { force: true });
    if (existsSync(join(tmp, 'etc/machine-id'))) writeFileSync(join(tmp, 'etc/machine-id'), '');
  }, 120);
}

/** Size in MiB of a folder, as `du` counts it (for the measurements). */
export async function sizeMiB(path: string): Promise<number> {
  if (!existsSync(path) || !statSync(path).isDirectory()) return 0;
  const out = await must('du', ['-sm', path], `measuring ${path}`);
  return Number(out.split('\t')[0]);
}
