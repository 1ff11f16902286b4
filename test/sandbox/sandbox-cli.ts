/**
 * `npm run sandbox -- up|env|down [--dir DIR] [--machines N]`: a DigitalOcean account, a CA and DNS on
 * this machine, with droplets that are network namespaces running sshd and dockerd (see
 * sandbox-daemon.ts). Run as root. Nothing it starts can reach beyond this machine: no namespace has
 * a default route.
 *
 *   npm run sandbox -- up            # prints KEY=value lines; up to 5 droplets at a time by default
 *   set -a; . <(npm run -s sandbox -- env); set +a
 *   $SANDBOX_EXEC npx tsx src/cli/main.ts apply --yes --ca-cert "$SANDBOX_CA_CERT"
 *   $SANDBOX_EXEC curl --cacert "$SANDBOX_CA_ROOT" https://a.test/
 *   npm run sandbox -- down          # removes every process, namespace, mount and cgroup it made
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runArgv } from '../peers/tools.js';
import { alive, cgroupDirs, kill, processesInCgroups, readOr } from './cluster.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DAEMON = join(import.meta.dirname, 'sandbox-daemon.ts');
export const DEFAULT_SANDBOX_DIR = '/tmp/swarm-wiz-sandbox';


interface Handle {
  pid: number;
  prefix: string;
}

/** This process and the ones that started it (`npm run sandbox -- down --dir …` names the dir too). */
function ancestors(): Set<number> {
  const found = new Set<number>();
  for (let pid = process.pid; pid > 1 && !found.has(pid); ) {
    found.add(pid);
    pid = Number(/^\d+ \(.*\) \S+ (\d+)/s.exec(readOr(`/proc/${pid}/stat`))?.[1] ?? 0);
  }
  return found;
}

function handleOf(dir: string): Handle | undefined {
  const text = readOr(join(dir, 'sandbox.json'));
  return text ? (JSON.parse(text) as Handle) : undefined;
}

/** /etc/netns/<ns>/resolv.conf: `ip netns exec` shows it as /etc/resolv.conf, so names resolve through challtestsrv. */
const netnsEtc = (prefix: string) => `/etc/netns/${prefix}-op`;

export async function up(dir: string, machines: number): Promise<string> {
  const existing = handleOf(dir);
  if (existing && alive(existing.pid)) throw new Error(`a sandbox is already up in ${dir} (controller pid ${existing.pid}): run "sandbox down --dir ${dir}" first`);
  if (existing) await down(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const prefix = `swz-${randomBytes(2).toString('hex')}`;
  const operator = `${prefix}-op`;
  const added = await runArgv('ip', ['netns', 'add', operator]);
  if (added.code !== 0) throw new Error(`ip netns add ${operator} failed (run as root): ${added.stderr.trim()}`);
  mkdirSync(netnsEtc(prefix), { recursive: true });
  writeFileSync(join(netnsEtc(prefix), 'resolv.conf'), 'nameserver 127.0.0.1\n');
  const logPath = join(dir, 'daemon.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn('nsenter', [`--net=/run/netns/${operator}`, '--', process.execPath, '--import', 'tsx', DAEMON, '--dir', dir, '--prefix', prefix, '--machines', String(machines)], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root' },
  });
  closeSync(logFd);
  writeFileSync(join(dir, 'sandbox.json'), `${JSON.stringify({ pid: child.pid ?? 0, prefix } satisfies Handle)}\n`);
  child.unref();
  const envPath = join(dir, 'env');
  for (let waited = 0; !existsSync(envPath); waited += 250) {
    if (!alive(child.pid!) || waited > 300_000) {
      const tail = readOr(logPath).split('\n').slice(-30).join('\n');
      await down(dir);
      throw new Error(`the sandbox did not start:\n${tail}`);
    }
    await sleep(250);
  }
  return readOr(envPath);
}

export function env(dir: string): string {
  const text = readOr(join(dir, 'env'));
  if (!text) throw new Error(`no sandbox is up in ${dir} ("sandbox up" starts one)`);
  return text;
}

/** What is left of a sandbox: its namespaces, processes, cgroups and mounts. */
export async function leftovers(prefix: string, dir: string): Promise<string[]> {
  const left: string[] = [];
  const namespaces = (await runArgv('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${prefix}-`));
  left.push(...namespaces.map((name) => `network namespace ${name}`));
  left.push(...processesInCgroups(`${prefix}-`).map((pid) => `process ${pid} in a machine's cgroup`));
  left.push(...cgroupDirs(`${prefix}-`).map((path) => `cgroup ${path}`));
  const mounts = readOr('/proc/mounts')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((path) => path.startsWith(dir) || path.includes(`/netns/${prefix}-`));
  left.push(...mounts.map((path) => `mount ${path}`));
  const mine = ancestors();
  const mentioning = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && !mine.has(Number(entry)))
    .filter((pid) => readOr(`/proc/${pid}/cmdline`).includes(`${dir}\0`) || readOr(`/proc/${pid}/cmdline`).includes(`${dir}/`));
  left.push(...mentioning.map((pid) => `process ${pid} (${readOr(`/proc/${pid}/cmdline`).split('\0').slice(0, 3).join(' ')})`));
  if (existsSync(netnsEtc(prefix))) left.push(netnsEtc(prefix));
  return left;
}

/** Stops the controller (it removes what it made), then removes whatever is still there and checks. */
export async function down(dir: string): Promise<string[]> {
  const handle = handleOf(dir);
  if (!handle) return [];
  if (alive(handle.pid)) {
    kill(handle.pid, 'SIGTERM');
    for (let waited = 0; alive(handle.pid) && waited < 120_000; waited += 250) await sleep(250);
    if (alive(handle.pid)) kill(handle.pid, 'SIGKILL');
  }
  // A controller that was killed leaves its machines: the same sweep by name, cgroup and path.
  for (let round = 0; round < 3; round++) {
    const left = await leftovers(handle.prefix, dir);
    if (left.length === 0) break;
    for (const pid of processesInCgroups(`${handle.prefix}-`)) kill(pid, 'SIGKILL');
    for (const line of left) {
      const pid = /^process (\d+)/.exec(line)?.[1];
      if (pid) kill(Number(pid), 'SIGKILL');
      const ns = /^network namespace (\S+)/.exec(line)?.[1];
      if (ns) await runArgv('ip', ['netns', 'delete', ns]);
      const mount = /^mount (\S+)/.exec(line)?.[1];
      if (mount) await runArgv('umount', ['-l', mount]);
    }
    await sleep(500);
    for (const path of cgroupDirs(`${handle.prefix}-`)) {
      try {
        rmdirSync(path);
      } catch {
        // busy: next round
      }
    }
  }
  rmSync(netnsEtc(handle.prefix), { recursive: true, force: true });
  try {
    rmdirSync('/etc/netns'); // only when empty: another tool's namespaces may have files there
  } catch {
    // not empty, or not there
  }
  const left = await leftovers(handle.prefix, dir);
  if (left.length === 0) rmSync(dir, { recursive: true, force: true });
  return left;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' }, machines: { type: 'string' } } });
  const dir = resolve(values.dir ?? DEFAULT_SANDBOX_DIR);
  const command = positionals[0];
  switch (command) {
    case 'up': {
      const machines = Number(values.machines ?? '5');
      if (!Number.isInteger(machines) || machines < 1 || machines > 20) throw new Error(`--machines: a whole number from 1 to 20 (got ${values.machines})`);
      process.stdout.write(await up(dir, machines));
      return 0;
    }
    case 'env':
      process.stdout.write(env(dir));
      return 0;
    case 'down': {
      const left = await down(dir);
      if (left.length > 0) {
        process.stderr.write(`sandbox down: still there:\n  ${left.join('\n  ')}\n`);
        return 1;
      }
      process.stderr.write('sandbox down: no process, namespace, mount or cgroup of the sandbox is left\n');
      return 0;
    }
    default:
      process.stderr.write(`usage: sandbox up|env|down [--dir DIR] [--machines N]${command ? ` (unknown command '${command}')` : ''}\n`);
      return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`sandbox: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
