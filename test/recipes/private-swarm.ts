/**
 * A one-node Docker Swarm of its own: Debian's dockerd (vfs) started inside `unshare --net --mount`
 * with its own data root and socket, a veth address to advertise, and no registry — images are
 * `docker import`s of rootfs dirs made from this machine's nginx and busybox-static. It never touches
 * the host's dockerd, its swarm state or host ports (80/443 are published inside the namespace).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { requireTool, runArgv } from '../peers/tools.js';
import { setTimeout as sleep } from 'node:timers/promises';

const run = promisify(execFile);

export const SWARM_ADDRESS = '192.168.231.1';

export interface PrivateSwarm {
  /** The DOCKER_HOST of this swarm's dockerd. */
  dockerHost: string;
  docker(args: readonly string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<string>;
  /** Runs a command in the swarm's network namespace (where the published ports are). */
  inNamespace(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}


/** What the image builders need: a docker CLI pointed at some engine. */
export type DockerCli = Pick<PrivateSwarm, 'docker'>;

/** The docker CLI against this machine's engine (DOCKER_HOST as the environment sets it). */
export const hostDocker: DockerCli = {
  docker: async (args, options = {}) =>
    (await run('docker', [...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 })).stdout,
};

export async function startPrivateSwarm(): Promise<PrivateSwarm> {
  requireTool('dockerd (docker.io)', ['dockerd', '--version'], 'deploying the generated stack on a private swarm');
  requireTool('unshare (util-linux, run as root)', ['unshare', '--net', '--mount', 'true'], 'running a private dockerd');
  requireTool('docker CLI', ['docker', '--version'], 'talking to the private dockerd');
  const root = mkdtempSync(join(tmpdir(), 'swz-swarm-'));
  for (const dir of ['run', 'data', 'exec']) mkdirSync(join(root, dir));
  writeFileSync(join(root, 'daemon.json'), '{}\n');
  const socket = join(root, 'docker.sock');
  const script = [
    'set -eu',
    'ip link add swz0 type veth peer name swz1',
    `ip addr add ${SWARM_ADDRESS}/24 dev swz0`,
    'ip link set swz0 up',
    'ip link set swz1 up',
    'ip link set lo up',
    `mount --bind '${join(root, 'run')}' /run`,
    `exec dockerd --config-file '${join(root, 'daemon.json')}' --data-root '${join(root, 'data')}' --exec-root '${join(root, 'exec')}' ` +
      `-H 'unix://${socket}' --pidfile '${join(root, 'dockerd.pid')}' --storage-driver vfs --cgroup-parent swz-test`,
  ].join('\n');
  const child: ChildProcess = spawn('unshare', ['--net', '--mount', '--fork', 'sh', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  const dockerHost = `unix://${socket}`;
  const docker = async (args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) => {
    const { stdout } = await run('docker', [...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, DOCKER_HOST: dockerHost, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  for (let attempt = 0; ; attempt++) {
    if (existsSync(socket) && (await docker(['info', '--format', '{{.ServerVersion}}']).then(() => true, () => false))) break;
    if (attempt > 120 || child.exitCode !== null) throw new Error(`the private dockerd did not start:\n${log}`);
    await sleep(250);
  }
  await docker(['swarm', 'init', '--advertise-addr', SWARM_ADDRESS]);
  const dockerdPid = Number(readFileSync(join(root, 'dockerd.pid'), 'utf8').trim());
  const netns = readlinkSync(`/proc/${dockerdPid}/ns/net`);
  return {
    dockerHost,
    docker,
    inNamespace: (argv) => runArgv('nsenter', ['--target', String(dockerdPid), '--net', ...argv]),
    stop: async () => {
      // dockerd stops its containers on SIGTERM; give it 20 s, then end whatever is left in the namespace.
      process.kill(dockerdPid, 'SIGTERM');
      for (let attempt = 0; attempt < 80 && existsSync(`/proc/${dockerdPid}`); attempt++) await sleep(250);
      // What dockerd started in its namespace (containerd, shims, containers) goes with it.
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          if (readlinkSync(`/proc/${entry}/ns/net`) === netns) process.kill(Number(entry), 'SIGKILL');
        } catch {
          // the process ended meanwhile
        }
      }
      await sleep(500);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Copies a host file to the same path inside the rootfs. */
function copyInto(rootfs: string, path: string): void {
  mkdirSync(join(rootfs, dirname(path)), { recursive: true });
  copyFileSync(path, join(rootfs, path));
}

function busyboxInto(rootfs: string, applets: readonly string[]): void {
  copyInto(rootfs, '/bin/busybox');
  for (const applet of applets) symlinkSync('busybox', join(rootfs, 'bin', applet));
}

/**
 * Fills a fresh rootfs dir, `docker import`s it as `tag` with Dockerfile-style changes (CMD …), and
 * removes the dir and its tar again.
 */
async function importRootfs(swarm: DockerCli, tag: string, changes: readonly string[], fill: (rootfs: string) => Promise<void> | void): Promise<void> {
  const rootfs = mkdtempSync(join(tmpdir(), 'swz-rootfs-'));
  const tar = `${rootfs}.tar`;
  try {
    await fill(rootfs);
    await run('tar', ['-C', rootfs, '-cf', tar, '.']);
    await swarm.docker(['import', ...changes.flatMap((change) => ['--change', change]), tar, tag]);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
    rmSync(tar, { force: true });
  }
}

/**
 * A service that keeps data: on every start it appends `<version> started` to /data/log (the volume),
 * then serves /www on `port` with busybox httpd. Its shell and cat let a test read and write /data.
 */
export function buildDataServiceImage(swarm: DockerCli, tag: string, version: string, port: number): Promise<void> {
  return importRootfs(swarm, tag, [`CMD ["/bin/sh", "-c", "mkdir -p /data && echo '${version} started' >> /data/log && exec /bin/busybox httpd -f -p ${port} -h /www"]`], (rootfs) => {
    busyboxInto(rootfs, ['sh', 'httpd', 'wget', 'cat', 'mkdir', 'echo']);
    mkdirSync(join(rootfs, 'www'));
    writeFileSync(join(rootfs, 'www/index.html'), `data service ${version}\n`);
  });
}

/**
 * An image a rollout must refuse: `exits` stops at once with an error; `unhealthy` runs httpd on
 * `port` but answers 404 on every path (an empty /www), so a health check of `/` never passes.
 */
export function buildBrokenImage(swarm: DockerCli, tag: string, mode: 'exits' | 'unhealthy', port: number): Promise<void> {
  const cmd = mode === 'exits' ? '["/bin/sh", "-c", "echo broken build >&2; exit 3"]' : `["/bin/busybox", "httpd", "-f", "-p", "${port}", "-h", "/www"]`;
  return importRootfs(swarm, tag, [`CMD ${cmd}`], (rootfs) => {
    busyboxInto(rootfs, ['sh', 'httpd', 'wget']);
    mkdirSync(join(rootfs, 'www'));
  });
}

/**
 * A backend that reads a Swarm secret before it starts: with a value beginning `bad-` it exits at once
 * (a value the app rejects), else it serves `name` on `port` like buildBackendImage.
 */
export function buildSecretCheckingImage(swarm: DockerCli, tag: string, name: string, port: number, secret: string): Promise<void> {
  const script = `case "$(cat /run/secrets/${secret})" in bad-*) echo 'refuses this ${secret}' >&2; exit 3;; esac; exec /bin/busybox httpd -f -p ${port} -h /www`;
  return importRootfs(swarm, tag, [`CMD ${JSON.stringify(['/bin/sh', '-c', script])}`], (rootfs) => {
    busyboxInto(rootfs, ['sh', 'httpd', 'wget', 'cat']);
    mkdirSync(join(rootfs, 'www'));
    writeFileSync(join(rootfs, 'www/index.html'), `${name}\n`);
  });
}

/** Libraries `ldd` lists for a binary, as absolute paths. */
async function librariesOf(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  return [...stdout.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1]!).concat([...stdout.matchAll(/=> (\/\S+)/g)].map((match) => match[1]!));
}

/** An nginx image: nginx as `fill` lays it out, plus busybox (sh, wget, cat, ls) and host lookup through files, then DNS. */
function importNginxImage(swarm: DockerCli, tag: string, fill: (rootfs: string) => Promise<void>): Promise<void> {
  return importRootfs(swarm, tag, ['CMD ["/usr/sbin/nginx", "-g", "daemon off;"]'], async (rootfs) => {
    await fill(rootfs);
    busyboxInto(rootfs, ['sh', 'wget', 'cat', 'ls']);
    writeFileSync(join(rootfs, 'etc/nsswitch.conf'), 'hosts: files dns\n');
  });
}

/** An nginx image like the official one, from Debian's nginx binary (1.22) and busybox (sh, wget). */
export function buildNginxImage(swarm: DockerCli, tag: string): Promise<void> {
  return importNginxImage(swarm, tag, async (rootfs) => {
    copyInto(rootfs, '/usr/sbin/nginx');
    for (const library of new Set(await librariesOf('/usr/sbin/nginx'))) copyInto(rootfs, library);
    copyInto(rootfs, '/etc/nginx/mime.types');
    for (const dir of ['/var/lib/nginx', '/var/log/nginx', '/run', '/tmp']) mkdirSync(join(rootfs, dir), { recursive: true });
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  });
}

/** An nginx image from a root filesystem with another nginx build (see newerNginxRoot), plus busybox. */
export function buildNginxImageFromRoot(swarm: DockerCli, tag: string, nginxRoot: string): Promise<void> {
  return importNginxImage(swarm, tag, async (rootfs) => {
    await run('cp', ['-a', `${nginxRoot}/.`, rootfs]);
    rmSync(join(rootfs, 'bin'), { force: true });
    mkdirSync(join(rootfs, 'bin'));
  });
}

/** A web service that answers every path with its own name (busybox httpd; -v: a line per request in its log). */
export function buildBackendImage(swarm: DockerCli, tag: string, name: string, port: number): Promise<void> {
  return importRootfs(swarm, tag, [`CMD ["/bin/busybox", "httpd", "-f", "-v", "-p", "${port}", "-h", "/www"]`], (rootfs) => {
    // wget: a test asks from inside one service whether another answers.
    busyboxInto(rootfs, ['sh', 'httpd', 'wget']);
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    writeFileSync(join(rootfs, 'etc/nsswitch.conf'), 'hosts: files dns\n');
    mkdirSync(join(rootfs, 'www'));
    writeFileSync(join(rootfs, 'www/index.html'), `${name}\n`);
  });
}

/**
 * A service that runs until stopped and does nothing else (a stand-in for a database): busybox's sh,
 * sleep, test and touch, so a health check like `test -f /tmp/ready` can run in it and a test can make
 * it pass with `touch /tmp/ready`. `version` is in /version.
 */
export function buildIdleImage(swarm: DockerCli, tag: string, version: string): Promise<void> {
  return importRootfs(swarm, tag, [`CMD ${JSON.stringify(['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"])}`], (rootfs) => {
    busyboxInto(rootfs, ['sh', 'sleep', 'test', 'touch', 'cat']);
    mkdirSync(join(rootfs, 'tmp'));
    writeFileSync(join(rootfs, 'version'), `${version}\n`);
  });
}
