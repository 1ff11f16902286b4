/**
 * A multi-node Docker Swarm on one machine, made of network namespaces: "droplets" `manager-1` and
 * `worker-1..N`, each a network namespace with `eth0` on a public bridge (203.0.113.0/24) and `eth1` on
 * a VPC bridge (10.110.0.0/20). Both bridges live in a switch namespace; an operator namespace sits on
 * both bridges too (where the SSH client, the deploy and curl run). No namespace has a default route.
 *
 * Per node, a holder process owns a private mount + UTS namespace (hostname = node name; private /run,
 * /etc/docker, /etc/swarm-wiz, /srv, /root and /var/spool/cron; the rest of /etc through an overlay) inside the node's network namespace; dockerd (vfs, own data root, exec root,
 * pidfile and cgroup parent) and sshd (own config and host key, key logins as root) run inside it.
 * The test reaches each dockerd through a unix socket outside the holder (`node.dockerHost`).
 *
 * ```ts
 * const cluster = await startCluster({ workers: 3 });
 * cluster.authorize(publicKeyLine);
 * await cluster.inOperator(['curl', '-sk', 'https://203.0.113.21/']);
 * await cluster.stop(); // dockerds, containers, sshds, holders, namespaces, cgroups and the temp dir
 * ```
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { newerNginxRoot } from '../peers/nginx.js';
import { generateKey, requireOpenSsh, sshdConfigText } from '../peers/sshd.js';
import { requireTool, runArgv } from '../peers/tools.js';
import { buildBackendImage, buildNginxImageFromRoot, type DockerCli } from '../recipes/private-swarm.js';
import { setTimeout as sleep } from 'node:timers/promises';

const run = promisify(execFile);

export const PROXY_IMAGE = 'swz-sandbox/nginx:1.30';
export const BACKENDS = [
  { name: 'service-a', image: 'swz-sandbox/service-a:1', answer: 'site A', domain: 'a.test' },
  { name: 'service-b', image: 'swz-sandbox/service-b:1', answer: 'site B', domain: 'b.test' },
  { name: 'service-c', image: 'swz-sandbox/service-c:1', answer: 'site C', domain: 'c.test' },
] as const;
export const BACKEND_PORT = 5000;

/** The operator namespace's addresses: `eth0` on the public bridge, `eth1` on the VPC bridge. */
export const OPERATOR_PUBLIC_IP = '203.0.113.2';
export const OPERATOR_PRIVATE_IP = '10.110.0.2';

export interface ClusterNode {
  name: string;
  role: 'manager' | 'worker';
  publicIp: string;
  privateIp: string;
  /** The node's network namespace (`ip netns` name). */
  netns: string;
  /** unix://… of its dockerd, reachable from the root namespace. */
  dockerHost: string;
  /** The host key its sshd serves, `ssh-ed25519 AAAA…`. */
  hostKeyLine: string;
  docker(args: readonly string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<string>;
  /** The node's folder (data root, logs, its authorized_keys with `perNodeKeys`). */
  dir: string;
  /** The file its sshd reads the authorised keys from. */
  authorizedKeysPath: string;
  /**
   * Runs an argv inside the node (its network, mount and UTS namespaces: what an SSH session sees; no
   * route out). With `env`, exactly that environment and nothing of this process's (as cron gives a
   * job); `input` goes to its stdin. Bounded: killed after `timeoutMs` (default 60 s).
   */
  exec(argv: readonly string[], options?: MachineExecOptions): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts a long-running process inside the node; it is killed with the node (its namespaces). */
  spawnInside(argv: readonly string[], logName: string): ChildProcess;
  /** Stops its dockerd as `systemctl stop docker` would (SIGTERM: the containers stop with it). */
  stopDockerd(): Promise<void>;
  /** Starts its dockerd again if it is not running. */
  startDockerd(): Promise<void>;
  /** Stops its sshd (a destroyed droplet answers nothing); restartSshd starts it again. */
  stopSshd(): Promise<void>;
  /** A new host key and a restarted sshd (a reinstalled droplet); updates `hostKeyLine`. */
  restartSshd(): Promise<string>;
}

/** Debian's cron spool: `crontab FILE` run as root writes `crontabs/root` there. */
const CRON_SPOOL = '/var/spool/cron';

/** The folder of a node that is its /var/spool/cron. */
export const cronSpoolOf = (nodeDir: string): string => join(nodeDir, 'spool-cron');

/**
 * Empties a node's own cron spool and makes its `crontabs` folder with the owner, group and mode the
 * cron package gave this machine's (Debian: 1730 root:crontab), which `crontab` needs.
 */
export function resetCronSpool(nodeDir: string): void {
  const spool = cronSpoolOf(nodeDir);
  mkdirSync(spool, { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(spool)) rmSync(join(spool, entry), { recursive: true, force: true });
  const model = statSync(join(CRON_SPOOL, 'crontabs'));
  const crontabs = join(spool, 'crontabs');
  mkdirSync(crontabs);
  chownSync(crontabs, model.uid, model.gid);
  chmodSync(crontabs, model.mode & 0o7777);
}

export interface MachineExecOptions {
  input?: string;
  /** The whole environment of the command (PATH included); without it, this process's. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * nsenter's arguments that run `argv` inside a machine, entered through its holder process (network,
 * mount and UTS namespaces); with `env`, under `env -i` with exactly those variables.
 */
export function enterMachine(holderPid: number, argv: readonly string[], env?: Record<string, string>): string[] {
  const bad = Object.keys(env ?? {}).find((key) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key));
  if (bad !== undefined) throw new Error(`not an environment variable name: ${JSON.stringify(bad)}`);
  const withEnv = env ? ['env', '-i', ...Object.entries(env).map(([key, value]) => `${key}=${value}`)] : [];
  return ['-t', String(holderPid), '-m', '-n', '-u', '--', ...withEnv, ...argv];
}

/** Runs `argv` inside a machine (see enterMachine), bounded by `timeoutMs` (default 60 s). */
export function execInMachine(holderPid: number, argv: readonly string[], options: MachineExecOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runArgv('nsenter', enterMachine(holderPid, argv, options.env), {
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

export interface ClusterImages {
  proxy: string;
  backends: readonly { image: string; answer: string }[];
}

export interface ClusterOptions {
  /** `manager-1` and `worker-1..N` … */
  workers?: number;
  /** … or exactly these machines. */
  machines?: readonly { name: string; role: 'manager' | 'worker' }[];
  /** Images loaded into every node (default: PROXY_IMAGE and BACKENDS); false for none. */
  images?: false | ClusterImages;
  /** Namespace and cgroup name prefix (default `swz-<random>`). */
  prefix?: string;
  /** The folder for every node's data (default: a new temp dir); removed by stop(). */
  root?: string;
  /** Adopt this existing network namespace as the operator's (the sandbox starts its controller in it). */
  operatorNetns?: string;
  /** More namespaces on both bridges (the sandbox's load balancer). */
  extraNamespaces?: readonly { name: string; short: string; publicIp: string; privateIp: string }[];
  /** Each node its own authorized_keys (default: one file for all nodes). */
  perNodeKeys?: boolean;
  /** Files bind-mounted over paths inside every node (the sandbox's stand-in for `cloud-init`). */
  holderBinds?: readonly { source: string; target: string }[];
  /**
   * Registries every node's dockerd reaches over plain HTTP: `host:port` (or a CIDR), written to
   * each node's daemon.json as `"insecure-registries"` (see test/peers/registry.ts).
   */
  insecureRegistries?: string[];
}

export interface Cluster {
  /** The temp dir holding every node's data (its path names nothing else). */
  root: string;
  nodes: ClusterNode[];
  manager: ClusterNode;
  workers: ClusterNode[];
  operatorNetns: string;
  /** Every namespace the cluster made (switch, operator, nodes). */
  namespaces: string[];
  /** Every node's `--cgroup-parent` starts with this (container processes carry it in /proc/PID/cgroup). */
  cgroupPrefix: string;
  /** Runs an argv in the operator namespace (clients only: curl, ssh, node). */
  inOperator(argv: readonly string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Lets the holder of this public key log in as root on every node. */
  authorize(publicKeyLine: string): void;
  /** Logs of a node's dockerd and sshd (for failure messages). */
  logs(nodeName: string): string;
  stop(): Promise<void>;
}

interface NodeRuntime {
  spec: { name: string; role: 'manager' | 'worker'; short: string; publicIp: string; privateIp: string; netns: string };
  dir: string;
  holder?: ChildProcess;
  holderPid?: number;
  holderMnt?: string;
  dockerd?: ChildProcess;
  sshd?: ChildProcess;
  netnsInode?: string;
}

async function ip(args: readonly string[]): Promise<void> {
  const result = await runArgv('ip', args);
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
}

function processes(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => pid !== process.pid);
}

const linkOf = (path: string): string | undefined => {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
};

/** A file's text, or `fallback` when it cannot be read. */
export const readOr = (path: string, fallback = ''): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

/** Whether a process exists and is not a zombie. */
export const alive = (pid: number): boolean => {
  const stat = readOr(`/proc/${pid}/stat`);
  return stat !== '' && !/^\d+ \(.*\) Z/s.test(stat);
};

/** Signals a process that may be gone meanwhile. */
export const kill = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal);
  } catch {
    // gone meanwhile
  }
};

/** Processes (not this one) whose /proc/PID/cgroup names a cgroup starting with `prefix`. */
export function processesInCgroups(prefix: string): number[] {
  return processes().filter((pid) => alive(pid) && readOr(`/proc/${pid}/cgroup`).includes(`/${prefix}`));
}

/** cgroup directories (any controller) named `<prefix>…`, deepest first, searched a few levels down. */
export function cgroupDirs(prefix: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (name.startsWith(prefix)) {
        // Its sub-cgroups (one per container) first.
        const inner: string[] = [];
        const collect = (d: string) => {
          try {
            for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) collect(join(d, e.name));
          } catch {
            // gone
          }
          inner.push(d);
        };
        collect(path);
        found.push(...inner);
      } else if (depth < 4) walk(path, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/** Each node's daemon.json: `{}` unless registries over plain HTTP are asked for. */
export function daemonJson(options: Pick<ClusterOptions, 'insecureRegistries'>): Record<string, unknown> {
  return options.insecureRegistries?.length ? { 'insecure-registries': [...options.insecureRegistries] } : {};
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  requireTool('ip (iproute2)', ['ip', 'netns', 'list'], 'the namespace cluster');
  requireTool('nsenter and unshare (util-linux, run as root)', ['unshare', '--net', '--mount', 'true'], 'the namespace cluster');
  requireTool('dockerd (docker.io)', ['dockerd', '--version'], 'the namespace cluster');
  requireTool('docker CLI', ['docker', '--version'], 'the namespace cluster');
  requireTool('iptables', ['iptables', '--version'], "dockerd's networking in the namespace cluster");
  requireTool('curl', ['curl', '--version'], 'HTTPS requests in the namespace cluster');
  requireOpenSsh();
  requireTool("crontab and /var/spool/cron/crontabs (Debian's cron)", ['sh', '-c', `command -v crontab && test -d ${CRON_SPOOL}/crontabs`], "each machine's own crontab");
  const images: ClusterImages | undefined = options.images === false ? undefined : (options.images ?? { proxy: PROXY_IMAGE, backends: BACKENDS });
  const nginxRoot = images ? newerNginxRoot().root : undefined;

  const prefix = options.prefix ?? `swz-${randomBytes(3).toString('hex')}`;
  const root = options.root ?? mkdtempSync(join(tmpdir(), `${prefix}-cluster-`));
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const switchNs = `${prefix}-sw`;
  const operatorNs = options.operatorNetns ?? `${prefix}-op`;
  const sharedKeys = join(root, 'authorized_keys');
  writeFileSync(sharedKeys, '', { mode: 0o600 });
  const machines =
    options.machines?.map((m, i) => ({ ...m, short: `n${i + 1}`, host: 11 + i })) ?? [
      { name: 'manager-1', role: 'manager' as const, short: 'm1', host: 11 },
      ...Array.from({ length: options.workers ?? 0 }, (_, i) => ({ name: `worker-${i + 1}`, role: 'worker' as const, short: `w${i + 1}`, host: 21 + i })),
    ];
  const specs = machines.map((s) => ({ name: s.name, role: s.role, short: s.short, publicIp: `203.0.113.${s.host}`, privateIp: `10.110.0.${s.host}`, netns: `${prefix}-${s.short}` }));
  const runtimes: NodeRuntime[] = specs.map((spec) => ({ spec, dir: join(root, spec.name) }));
  const namespaces: string[] = [];
  const inodes = new Map<string, string>();
  let stopped: Promise<void> | undefined;

  const teardown = async (): Promise<void> => {
    // 1. Containers first (SIGKILL by the node cgroups), then dockerd gets SIGTERM and a while to stop.
    const cgroupOf = (pid: number) => readOr(`/proc/${pid}/cgroup`);
    const killContainers = () => {
      for (const pid of processes()) if (cgroupOf(pid).includes(`/${prefix}-`)) kill(pid, 'SIGKILL');
    };
    killContainers();
    const dockerds = runtimes.map((r) => r.dockerd).filter((child): child is ChildProcess => child?.pid !== undefined && child.exitCode === null && child.signalCode === null);
    for (const child of dockerds) child.kill('SIGTERM');
    for (let i = 0; i < 80 && dockerds.some((child) => alive(child.pid!)); i++) {
      if (i % 4 === 0) killContainers();
      await sleep(250);
    }
    // 2. Whatever is left in a node namespace, the holder's mount namespace or a node cgroup.
    const netInodes = new Set([...inodes.values()]);
    const mnts = new Set(runtimes.map((r) => r.holderMnt).filter((m): m is string => m !== undefined));
    for (let round = 0; round < 20; round++) {
      const left = processes().filter((pid) => {
        const net = linkOf(`/proc/${pid}/ns/net`);
        const mnt = linkOf(`/proc/${pid}/ns/mnt`);
        return alive(pid) && ((net !== undefined && netInodes.has(net)) || (mnt !== undefined && mnts.has(mnt)) || cgroupOf(pid).includes(`/${prefix}-`));
      });
      if (left.length === 0) break;
      for (const pid of left) kill(pid, 'SIGKILL');
      await sleep(250);
    }
    for (const child of runtimes.flatMap((r) => [r.holder, r.dockerd, r.sshd])) if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // 3. Mounts: the holders' mounts went with their namespaces; anything under root still mounted here goes now.
    const mounted = readOr('/proc/mounts').split('\n').map((line) => line.split(' ')[1] ?? '').filter((path) => path.startsWith(root)).reverse();
    for (const path of mounted) await runArgv('umount', ['-l', path]);
    // 4. Namespaces, node cgroups, the temp dir.
    for (const ns of [...namespaces].reverse()) await runArgv('ip', ['netns', 'delete', ns]);
    for (let round = 0; round < 10; round++) {
      const dirs = cgroupDirs(`${prefix}-`);
      if (dirs.length === 0) break;
      for (const dir of dirs) {
        try {
          rmdirSync(dir);
        } catch {
          // still busy (a process on its way out): next round
        }
      }
      await sleep(200);
    }
    rmSync(root, { recursive: true, force: true });
  };
  const stop = () => (stopped ??= teardown());

  const addNamespace = async (name: string) => {
    await ip(['netns', 'add', name]);
    namespaces.push(name);
    inodes.set(name, `net:[${statSync(`/run/netns/${name}`).ino}]`);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  };
  /** eth0 on the public bridge, eth1 on the VPC bridge; veths made in the switch, peers moved straight into `ns`. */
  const wire = async (ns: string, short: string, publicIp: string, privateIp: string) => {
    for (const [bridge, peer, address, side] of [
      ['br-pub', 'eth0', `${publicIp}/24`, 'p'],
      ['br-vpc', 'eth1', `${privateIp}/20`, 'v'],
    ] as const) {
      const name = `${short}-${side}`;
      await ip(['-n', switchNs, 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer, 'netns', ns]);
      await ip(['-n', switchNs, 'link', 'set', name, 'master', bridge]);
      await ip(['-n', switchNs, 'link', 'set', name, 'up']);
      await ip(['-n', ns, 'addr', 'add', address, 'dev', peer]);
      await ip(['-n', ns, 'link', 'set', peer, 'up']);
    }
  };

  const startNode = async (r: NodeRuntime): Promise<ClusterNode> => {
    const { spec, dir } = r;
    for (const sub of ['run', 'etc-docker', 'etc-swarm-wiz', 'etc-upper', 'etc-work', 'srv', 'data', 'exec', 'root']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
    resetCronSpool(dir);
    writeFileSync(join(dir, 'daemon.json'), `${JSON.stringify(daemonJson(options))}\n`);
    const holderPidFile = join(dir, 'holder.pid');
    // Fixed script; every value in it is a path or name generated here.
    const script = [
      'set -eu',
      `hostname '${spec.name}'`,
      // Its own /etc as far as swarm-wiz writes there (node secrets in /etc/swarm-wiz): this machine's
      // /etc seen through an overlay whose writes stay in the node's folder, never in this machine's /etc.
      `mount -t overlay overlay -o 'lowerdir=/etc,upperdir=${join(dir, 'etc-upper')},workdir=${join(dir, 'etc-work')}' /etc`,
      'mkdir -p /etc/swarm-wiz',
      `mount --bind '${join(dir, 'etc-swarm-wiz')}' /etc/swarm-wiz`,
      `mount --bind '${join(dir, 'run')}' /run`,
      `mount --bind '${join(dir, 'etc-docker')}' /etc/docker`,
      `mount --bind '${join(dir, 'srv')}' /srv`,
      // Its own root home, as on a droplet (no shell start-up files of this machine's root in SSH sessions).
      `mount --bind '${join(dir, 'root')}' /root`,
      // Its own crontab: `crontab FILE` inside never touches this machine's (no cron daemon runs inside).
      `mount --bind '${cronSpoolOf(dir)}' ${CRON_SPOOL}`,
      ...(options.holderBinds ?? []).map((bind) => `mount --bind '${bind.source}' '${bind.target}'`),
      'mkdir -p /run/sshd',
      'chmod 0755 /run/sshd',
      `echo $$ > '${holderPidFile}'`,
      'exec sleep infinity',
    ].join('\n');
    const holderLog = openSync(join(dir, 'holder.log'), 'a');
    r.holder = spawn('nsenter', [`--net=/run/netns/${spec.netns}`, '--', 'unshare', '--mount', '--uts', '--propagation', 'private', '--fork', '--', 'sh', '-c', script], {
      stdio: ['ignore', holderLog, holderLog],
    });
    closeSync(holderLog);
    for (let i = 0; !existsSync(holderPidFile) || readOr(holderPidFile).trim() === ''; i++) {
      if (i > 200 || r.holder.exitCode !== null) throw new Error(`the holder of ${spec.name} did not start: ${readOr(join(dir, 'holder.log'))}`);
      await sleep(25);
    }
    r.holderPid = Number(readOr(holderPidFile).trim());
    r.holderMnt = linkOf(`/proc/${r.holderPid}/ns/mnt`);
    const enter = enterMachine(r.holderPid, []);

    const socket = join(dir, 'docker.sock');
    const dockerHost = `unix://${socket}`;
    const spawnDockerd = (): ChildProcess => {
      const dockerLog = openSync(join(dir, 'dockerd.log'), 'a');
      const child = spawn(
        'nsenter',
        [
          ...enter,
          'dockerd',
          '--config-file', join(dir, 'daemon.json'),
          '--data-root', join(dir, 'data'),
          '--exec-root', join(dir, 'exec'),
          '--pidfile', join(dir, 'dockerd.pid'),
          '-H', 'unix:///var/run/docker.sock',
          '-H', dockerHost,
          '--storage-driver', 'vfs',
          '--cgroup-parent', `${prefix}-${spec.name}`,
        ],
        { stdio: ['ignore', dockerLog, dockerLog] },
      );
      closeSync(dockerLog);
      return child;
    };
    r.dockerd = spawnDockerd();

    // perNodeKeys (the sandbox's droplets): root's own ~/.ssh/authorized_keys inside the machine, as on a
    // droplet, so what a node adds there itself (the support server's key) counts too.
    const authorizedKeys = options.perNodeKeys ? join(dir, 'root', '.ssh', 'authorized_keys') : sharedKeys;
    if (options.perNodeKeys) {
      mkdirSync(dirname(authorizedKeys), { recursive: true, mode: 0o700 });
      writeFileSync(authorizedKeys, '', { mode: 0o600 });
    }
    const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
    const sshdConfig = join(dir, 'sshd_config');
    const sshdLogPath = join(dir, 'sshd.log');
    writeFileSync(sshdConfig, sshdConfigText({ port: 22, listen: '0.0.0.0', hostKeyPath, authorizedKeys: options.perNodeKeys ? '/root/.ssh/authorized_keys' : authorizedKeys, pidFile: '/run/sshd.pid' }));
    const startSshd = async (): Promise<string> => {
      rmSync(hostKeyPath, { force: true });
      rmSync(`${hostKeyPath}.pub`, { force: true });
      const line = await generateKey(hostKeyPath, `swz-sandbox-${spec.name}`);
      const logged = readOr(sshdLogPath).length;
      const sshdLog = openSync(sshdLogPath, 'a');
      r.sshd = spawn('nsenter', [...enter, '/usr/sbin/sshd', '-D', '-e', '-f', sshdConfig], { stdio: ['ignore', sshdLog, sshdLog] });
      closeSync(sshdLog);
      for (let i = 0; !readOr(sshdLogPath).slice(logged).includes('Server listening on'); i++) {
        if (i > 200 || r.sshd.exitCode !== null) throw new Error(`sshd of ${spec.name} did not start: ${readOr(sshdLogPath).slice(logged)}`);
        await sleep(25);
      }
      return line;
    };
    const sshdStarted = startSshd();

    const docker = async (args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}) =>
      (
        await run('docker', [...args], {
          cwd: opts.cwd,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOCKER_HOST: dockerHost, ...opts.env },
          maxBuffer: 64 * 1024 * 1024,
        })
      ).stdout;
    const dockerdReady = async (): Promise<void> => {
      for (let i = 0; ; i++) {
        if (existsSync(socket) && (await docker(['info', '--format', '{{.ServerVersion}}']).then(() => true, () => false))) return;
        if (i > 240 || r.dockerd?.exitCode !== null) throw new Error(`dockerd of ${spec.name} did not start:\n${readOr(join(dir, 'dockerd.log')).slice(-4000)}`);
        await sleep(250);
      }
    };
    await dockerdReady();
    const node: ClusterNode = {
      name: spec.name,
      role: spec.role,
      publicIp: spec.publicIp,
      privateIp: spec.privateIp,
      netns: spec.netns,
      dockerHost,
      hostKeyLine: await sshdStarted,
      docker,
      dir,
      authorizedKeysPath: authorizedKeys,
      exec: (argv, opts = {}) => execInMachine(r.holderPid!, argv, opts),
      spawnInside: (argv, logName) => {
        const log = openSync(join(dir, logName), 'a');
        const child = spawn('nsenter', [...enter, ...argv], { stdio: ['ignore', log, log] });
        closeSync(log);
        return child;
      },
      stopDockerd: async () => {
        const child = r.dockerd;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const pid = Number(readOr(join(dir, 'dockerd.pid')).trim());
        if (pid > 0) kill(pid, 'SIGTERM');
        else child.kill('SIGTERM');
        for (let i = 0; i < 240 && pid > 0 && alive(pid); i++) await sleep(250);
        if (pid > 0 && alive(pid)) kill(pid, 'SIGKILL');
      },
      startDockerd: async () => {
        const pid = Number(readOr(join(dir, 'dockerd.pid')).trim());
        if (pid > 0 && alive(pid)) {
          if (await docker(['info', '--format', '{{.ServerVersion}}']).then(() => true, () => false)) return;
          // On its way down (stopped a moment ago): let it finish, then start a new one.
          for (let i = 0; i < 240 && alive(pid); i++) await sleep(250);
          if (alive(pid)) kill(pid, 'SIGKILL');
        }
        r.dockerd = spawnDockerd();
        await dockerdReady();
      },
      stopSshd: async () => {
        const old = r.sshd;
        if (old && old.exitCode === null && old.signalCode === null) {
          old.kill('SIGTERM');
          await new Promise((resolve) => old.once('exit', resolve));
        }
      },
      restartSshd: async () => {
        await node.stopSshd();
        node.hostKeyLine = await startSshd();
        return node.hostKeyLine;
      },
    };
    return node;
  };

  try {
    await addNamespace(switchNs);
    for (const bridge of ['br-pub', 'br-vpc']) {
      await ip(['-n', switchNs, 'link', 'add', bridge, 'type', 'bridge']);
      await ip(['-n', switchNs, 'link', 'set', bridge, 'up']);
    }
    if (options.operatorNetns) {
      namespaces.push(operatorNs);
      inodes.set(operatorNs, `net:[${statSync(`/run/netns/${operatorNs}`).ino}]`);
      await ip(['-n', operatorNs, 'link', 'set', 'lo', 'up']);
    } else await addNamespace(operatorNs);
    await wire(operatorNs, 'op', OPERATOR_PUBLIC_IP, OPERATOR_PRIVATE_IP);
    for (const extra of options.extraNamespaces ?? []) {
      await addNamespace(extra.name);
      await wire(extra.name, extra.short, extra.publicIp, extra.privateIp);
    }
    for (const { spec } of runtimes) {
      await addNamespace(spec.netns);
      await wire(spec.netns, spec.short, spec.publicIp, spec.privateIp);
    }
    // allSettled: on a failure, no node is still starting (spawning daemons) while stop() runs.
    const started = await Promise.allSettled(runtimes.map(startNode));
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const nodes = started.map((outcome) => (outcome as PromiseFulfilledResult<ClusterNode>).value);
    if (images && nginxRoot) {
      // One DockerCli for all nodes: each rootfs tar is made once and imported into every dockerd.
      const everyNode: DockerCli = {
        docker: async (args, opts) => (await Promise.all(nodes.map((node) => node.docker(args, opts))))[0] ?? '',
      };
      await Promise.all([
        buildNginxImageFromRoot(everyNode, images.proxy, nginxRoot),
        ...images.backends.map((backend) => buildBackendImage(everyNode, backend.image, backend.answer, BACKEND_PORT)),
      ]);
    }
    const byName = new Map(runtimes.map((r) => [r.spec.name, r]));
    return {
      root,
      nodes,
      manager: nodes[0]!,
      workers: nodes.filter((node) => node.role === 'worker'),
      operatorNetns: operatorNs,
      namespaces: [...namespaces],
      cgroupPrefix: `${prefix}-`,
      inOperator: (argv, opts = {}) =>
        runArgv('ip', ['netns', 'exec', operatorNs, ...argv], {
          ...(opts.cwd ? { cwd: opts.cwd } : {}),
          ...(opts.env ? { env: opts.env } : {}),
          timeout: opts.timeoutMs ?? 60_000,
          maxBuffer: 16 * 1024 * 1024,
        }),
      authorize: (line) => {
        for (const path of new Set(nodes.map((node) => node.authorizedKeysPath))) appendFileSync(path, `${line.trim()}\n`);
      },
      logs: (name) => {
        const dir = byName.get(name)?.dir;
        return dir ? `--- dockerd ---\n${readOr(join(dir, 'dockerd.log')).slice(-4000)}\n--- sshd ---\n${readOr(join(dir, 'sshd.log')).slice(-2000)}` : '';
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
