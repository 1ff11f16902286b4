/**
 * One droplet of the DigitalOcean twin: the Debian 13 image (image.ts) booted with systemd-nspawn into
 * a network namespace the sandbox made, over a writable layer of its own, with the droplet's metadata
 * and user-data as a NoCloud seed, so that real cloud-init does with it what it does on DigitalOcean.
 *
 * Everything a machine makes is its own and goes with `stop()`: its processes (all in one PID
 * namespace: killing its init kills them), its cgroups (`<cgroup>` in every controller, where nspawn,
 * systemd and dockerd put theirs), its overlay mount and its folder.
 *
 * ```ts
 * const machine = await bootMachine({ name: 'web-1', netns, dir, layers: [image.root], metaData, userData });
 * await machine.cloudInit();        // { status: 'done' | 'error' | 'running', … }
 * await machine.exec(['docker', 'version']);
 * await machine.stop();
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArgv } from '../../peers/tools.js';
import { readOr } from '../cluster.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** The PATH a droplet's root has (cloud-init's, an SSH session's). */
export const DROPLET_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface MachineSpec {
  /** Its host name and the name of its cgroups (`<cgroup>`: unique on this machine). */
  name: string;
  cgroup: string;
  /** The network namespace (`ip netns` name) its addresses are already set in. */
  netns: string;
  /** Its own folder (layer, work dir, mount point, console log); removed by stop(). */
  dir: string;
  /** Read-only layers, top first: a snapshot (optional), then the image's root. */
  layers: readonly string[];
  /** cloud-init NoCloud seed. */
  metaData: string;
  userData: string;
  /** Lines added to its /etc/hosts before boot (the sandbox's names without a DNS). */
  hosts?: readonly string[];
}

export interface CloudInitOutcome {
  status: 'done' | 'error' | 'running' | 'unknown';
  /** `cloud-init status --long`'s text and, on error, the failing lines of cloud-init's own log. */
  detail: string;
}

export interface Machine {
  name: string;
  /** The folder the machine sees as `/` (its overlay mount). */
  rootDir: string;
  /** Its own writable layer: what a snapshot keeps. */
  upperDir: string;
  /** The PID (in this namespace) of its init, systemd. */
  leaderPid: number;
  /** Runs an argv inside the machine (all its namespaces), as root with a droplet's PATH; bounded. */
  exec(argv: readonly string[], options?: { input?: string; timeoutMs?: number; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** cloud-init's outcome as `cloud-init status` tells it inside the machine. */
  cloudInit(): Promise<CloudInitOutcome>;
  /** What systemd-nspawn and the machine's console printed. */
  console(): string;
  stop(): Promise<void>;
}


/** Every cgroup controller mounted here (cgroup v1 hybrid: cpu, memory, …, systemd, unified). */
function controllers(): string[] {
  return readdirSync(CGROUP_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(CGROUP_ROOT, entry.name, 'cgroup.procs')))
    .map((entry) => entry.name);
}

/** Makes `<cgroup>` in every controller (cpuset needs its cpus and mems before it takes a process). */
function makeCgroups(cgroup: string): void {
  for (const controller of controllers()) {
    const path = join(CGROUP_ROOT, controller, cgroup);
    mkdirSync(path, { recursive: true });
    if (controller === 'cpuset') {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(path, file), readFileSync(join(CGROUP_ROOT, controller, file)));
    }
  }
}

/** Removes `<cgroup>` and everything under it in every controller, deepest first; returns what could not go. */
export function removeCgroups(cgroup: string): string[] {
  const left: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) walk(join(path, entry.name));
    try {
      rmdirSync(path);
    } catch {
      left.push(path);
    }
  };
  for (const controller of controllers()) {
    const path = join(CGROUP_ROOT, controller, cgroup);
    if (existsSync(path)) walk(path);
  }
  return left;
}

/** PIDs in any of the machine's cgroups (none once it has stopped). */
export function processesOf(cgroup: string): number[] {
  const pids = new Set<number>();
  const walk = (path: string): void => {
    for (const line of readOr(join(path, 'cgroup.procs')).split('\n')) if (line) pids.add(Number(line));
    for (const entry of readdirSyncOr(path)) if (entry.isDirectory()) walk(join(path, entry.name));
  };
  for (const controller of controllers()) walk(join(CGROUP_ROOT, controller, cgroup));
  return [...pids];
}

const readdirSyncOr = (path: string) => {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch {
    return [];
  }
};

/**
 * Boots the machine and returns once its init runs (sshd and cloud-init come later, as on a droplet:
 * poll `cloudInit()` or the SSH port).
 */
export async function bootMachine(spec: MachineSpec): Promise<Machine> {
  const upperDir = join(spec.dir, 'upper');
  const workDir = join(spec.dir, 'work');
  const rootDir = join(spec.dir, 'root');
  for (const path of [upperDir, workDir, rootDir]) mkdirSync(path, { recursive: true });
  const mounted = await runArgv('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${spec.layers.join(':')},upperdir=${upperDir},workdir=${workDir}`, rootDir]);
  if (mounted.code !== 0) throw new Error(`${spec.name}: mounting its root failed: ${mounted.stderr.trim()}`);
  const seed = join(rootDir, 'var/lib/cloud/seed/nocloud');
  mkdirSync(seed, { recursive: true });
  writeFileSync(join(seed, 'meta-data'), spec.metaData);
  writeFileSync(join(seed, 'user-data'), spec.userData);
  if (spec.hosts && spec.hosts.length > 0) {
    const hostsFile = join(rootDir, 'etc/hosts');
    writeFileSync(hostsFile, `${readOr(hostsFile)}${spec.hosts.map((line) => `${line}\n`).join('')}`);
  }
  makeCgroups(spec.cgroup);
  const consolePath = join(spec.dir, 'console.log');
  const out = openSync(consolePath, 'a');
  // The shell joins the machine's cgroups, then becomes systemd-nspawn: everything the machine starts
  // (systemd's units, dockerd's containers) is made below them. nspawn keeps its own unit (no systemd
  // here to register with). The three nspawn settings are what dockerd and runc need inside
  // (../shared/notes/debian13-droplet.md).
  const nspawn: ChildProcess = spawn('sh', ['-c', 'for c in "$@"; do echo $$ > "$c/cgroup.procs" || exit 125; done; exec systemd-nspawn --quiet -D "$ROOT" -b --register=no --keep-unit --capability=all "--system-call-filter=@privileged @keyring bpf" "--network-namespace-path=/run/netns/$NETNS" -M "$NAME"', 'sh', ...controllers().map((c) => join(CGROUP_ROOT, c, spec.cgroup))], {
    env: { PATH: process.env.PATH ?? DROPLET_PATH, ROOT: rootDir, NETNS: spec.netns, NAME: spec.name, SYSTEMD_LOG_COLOR: '0' },
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out);
  const exited = new Promise<number | null>((resolve) => nspawn.once('exit', (code) => resolve(code)));
  let nspawnDone = false;
  void exited.then(() => {
    nspawnDone = true;
  });
  // The leader: nspawn's child, whose PID namespace is the machine's.
  let leaderPid = 0;
  for (let tries = 0; tries < 200 && !nspawnDone; tries += 1) {
    const children = readOr(`/proc/${nspawn.pid}/task/${nspawn.pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
    const candidate = children.find((pid) => readOr(`/proc/${pid}/comm`).trim() === 'systemd');
    if (candidate) {
      leaderPid = candidate;
      break;
    }
    await sleep(100);
  }
  const consoleText = () => readOr(consolePath);
  if (!leaderPid) {
    await teardown(spec, rootDir, nspawn, 0);
    throw new Error(`${spec.name}: systemd-nspawn did not boot the machine: ${consoleText().trim().split('\n').slice(-5).join(' | ')}`);
  }
  const exec: Machine['exec'] = (argv, options = {}) =>
    runArgv('nsenter', ['-t', String(leaderPid), '-m', '-u', '-i', '-n', '-p', '-C', '--', 'env', '-i', ...Object.entries({ PATH: DROPLET_PATH, HOME: '/root', LANG: 'C.UTF-8', ...options.env }).map(([k, v]) => `${k}=${v}`), ...argv], {
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 16 * 1024 * 1024,
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
  let stopped = false;
  return {
    name: spec.name,
    rootDir,
    upperDir,
    leaderPid,
    exec,
    console: consoleText,
    async cloudInit() {
      const status = await exec(['cloud-init', 'status', '--long'], { timeoutMs: 30_000 });
      const state = /^status: (\w+)/m.exec(status.stdout)?.[1];
      const known = state === 'done' || state === 'error' || state === 'running' ? state : state === 'not' || state === 'disabled' ? 'running' : 'unknown';
      let detail = status.stdout.trim() || status.stderr.trim();
      if (known === 'error') {
        // What failed, in the words of the program that failed (apt's `E: …`, a command's stderr), then cloud-init's own lines.
        const log = await exec(['grep', '-h', '-E', '^(E|W): |Stderr: [^-]|WARNING', '/var/log/cloud-init-output.log'], { timeoutMs: 10_000 });
        detail += `\n${log.stdout.trim()}`;
      }
      return { status: known, detail };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await teardown(spec, rootDir, nspawn, leaderPid);
    },
  };
}

/** SIGKILL to the machine's init ends its PID namespace (every process in it); then mounts, cgroups, folder. */
async function teardown(spec: MachineSpec, rootDir: string, nspawn: ChildProcess, leaderPid: number): Promise<void> {
  if (leaderPid) kill(leaderPid);
  if (nspawn.exitCode === null && nspawn.signalCode === null) {
    const gone = new Promise((resolve) => nspawn.once('exit', resolve));
    await Promise.race([gone, sleep(10_000)]);
    if (nspawn.exitCode === null && nspawn.signalCode === null) kill(nspawn.pid!);
  }
  // Anything that still runs in its cgroups (nothing should: the PID namespace is gone).
  for (let tries = 0; tries < 50; tries += 1) {
    const left = processesOf(spec.cgroup);
    if (left.length === 0) break;
    for (const pid of left) kill(pid);
    await sleep(100);
  }
  for (let tries = 0; tries < 50; tries += 1) {
    const result = await runArgv('umount', [rootDir]);
    if (result.code === 0 || !/busy/.test(result.stderr)) break;
    await sleep(200);
  }
  const left = removeCgroups(spec.cgroup);
  if (left.length > 0) throw new Error(`${spec.name}: cgroups left after stop: ${left.join(', ')}`);
  rmSync(spec.dir, { recursive: true, force: true });
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}
