/**
 * The sandbox's droplets: a pool of namespace machines (see cluster.ts) that the fake DigitalOcean API
 * binds droplets to. When a droplet becomes active it gets a free machine: the droplet's name as host
 * name, exactly the SSH keys named in its create request for root, and its user-data applied by a small
 * stand-in for cloud-init. When the droplet is destroyed its machine is wiped (swarm left, containers,
 * networks and volumes removed, /srv, /root, /etc/swarm-wiz and its crontab emptied, a new SSH host key) and is free
 * again; the preloaded images stay, as on a droplet image that has them.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import type { ApiDroplet, FakeMachines } from '../fake-do/state.js';
import { resetCronSpool, type ClusterNode } from './cluster.js';

/** Where, inside a machine, the stand-in `cloud-init status --wait` looks for the outcome. */
export const CLOUD_INIT_RUN_DIR = '/run/swarm-wiz-sandbox';

/**
 * Bind-mounted over /usr/bin/cloud-init on every machine: `cloud-init status [--wait]` answers like
 * cloud-init does once the sandbox has applied the droplet's user-data (done / error), bounded to 10 min.
 */
export const CLOUD_INIT_STAND_IN = `#!/bin/sh
# swarm-wiz sandbox: stands in for cloud-init on a sandbox droplet.
[ "$1" = status ] || { echo "swarm-wiz sandbox: only 'cloud-init status [--wait]' is here" >&2; exit 2; }
i=0
while :; do
  if [ -e ${CLOUD_INIT_RUN_DIR}/cloud-init.error ]; then echo 'status: error'; cat ${CLOUD_INIT_RUN_DIR}/cloud-init.error; exit 1; fi
  if [ -e ${CLOUD_INIT_RUN_DIR}/cloud-init.done ]; then echo 'status: done'; exit 0; fi
  [ "$2" = --wait ] || { echo 'status: running'; exit 0; }
  i=$((i + 1)); [ "$i" -gt 1200 ] && { echo 'status: running (swarm-wiz sandbox gave up waiting)'; exit 1; }
  sleep 0.5
done
`;

/** Inside a machine: the request the systemctl stand-in leaves for the sandbox to restart the engine. */
const ENGINE_RESTART_REQUEST = `${CLOUD_INIT_RUN_DIR}/engine-restart`;

/**
 * Bind-mounted over /usr/bin/systemctl on every machine: `systemctl restart docker` restarts the
 * machine's engine as systemd would on a droplet (the sandbox does it: the engine is its process), and
 * returns once it answers again, bounded to 2 min. Anything else is refused: no systemd runs here.
 */
export const SYSTEMCTL_STAND_IN = `#!/bin/sh
# swarm-wiz sandbox: stands in for systemctl on a sandbox droplet (only 'systemctl restart docker').
case "$1 $2" in
  'restart docker'|'restart docker.service') ;;
  *) echo "swarm-wiz sandbox: only 'systemctl restart docker' is here" >&2; exit 1 ;;
esac
mkdir -p ${CLOUD_INIT_RUN_DIR}
rm -f ${ENGINE_RESTART_REQUEST}.failed
: > ${ENGINE_RESTART_REQUEST}
i=0
while [ -e ${ENGINE_RESTART_REQUEST} ]; do
  i=$((i + 1)); [ "$i" -gt 240 ] && { echo 'Job for docker.service failed: the swarm-wiz sandbox did not restart the engine within 120 s' >&2; exit 1; }
  sleep 0.5
done
[ -e ${ENGINE_RESTART_REQUEST}.failed ] && { cat ${ENGINE_RESTART_REQUEST}.failed >&2; exit 1; }
exit 0
`;

/** The PATH a droplet's root has (cloud-init's, an SSH session's): where a package's command is looked for. */
export const DROPLET_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * What each Debian package the user-data may list puts on PATH. The stand-in installs nothing (no
 * network): it checks that the machine already has the command, at least `minMajor` when given.
 */
export const PACKAGE_COMMANDS: Readonly<Record<string, { command: string; minMajor?: number }>> = {
  nodejs: { command: 'node', minMajor: 20 },
  'docker.io': { command: 'docker' },
  busybox: { command: 'busybox' },
  'busybox-static': { command: 'busybox' },
  cron: { command: 'crontab' },
  'openssh-client': { command: 'ssh' },
  restic: { command: 'restic' },
};

/** What looking for a command inside the machine found: its path (none when missing) and, when asked, its `--version` output. */
export type CommandProbe = (command: string, withVersion: boolean) => Promise<{ path?: string; version?: string }>;

/**
 * The user-data's `packages:` against the machine: one line per package found (for the log) and one
 * per package that is not there or too old, or that the stand-in does not know (it would have to be
 * installed), naming the package.
 */
export async function checkPackages(packages: readonly string[], probe: CommandProbe): Promise<{ found: string[]; problems: string[] }> {
  const found: string[] = [];
  const problems: string[] = [];
  for (const name of packages) {
    const wanted = PACKAGE_COMMANDS[name];
    if (!wanted) {
      problems.push(`${name} would have to be installed (the sandbox installs nothing; it knows where ${Object.keys(PACKAGE_COMMANDS).join(', ')} put their commands)`);
      continue;
    }
    const { path, version = '' } = await probe(wanted.command, wanted.minMajor !== undefined);
    if (!path) {
      problems.push(`${name} is missing: no ${wanted.command} on PATH (${DROPLET_PATH}) in this machine`);
      continue;
    }
    const major = Number(/(\d+)\.\d+/.exec(version)?.[1] ?? NaN);
    if (wanted.minMajor !== undefined && !(major >= wanted.minMajor)) {
      problems.push(`${name} is too old: ${path} is ${version.trim() || 'of an unknown version'}, not ${wanted.minMajor} or newer`);
      continue;
    }
    found.push(`${name}: ${path}${version ? ` (${version.trim().split('\n')[0]})` : ''}`);
  }
  return { found, problems };
}

/** Paths that are the machine's own (bind-mounted per node); anything else is this machine's and is not touched. */
const PRIVATE_PATHS = ['/srv/', '/run/', '/etc/docker/', '/etc/swarm-wiz/', '/root/', '/var/spool/cron/'];
const isPrivatePath = (path: string): boolean => PRIVATE_PATHS.some((prefix) => `${path}/`.startsWith(prefix));

/**
 * A fresh engine, as a restarted droplet's: dockerd stopped, the overlay networks' own namespaces
 * (bind mounts under the machine's /run/docker/netns) and their VXLAN devices removed — in the sandbox
 * they outlive a stopped engine, and a new swarm would fail with "error creating vxlan interface: file
 * exists" — then dockerd started again.
 */
async function restartEngine(node: ClusterNode): Promise<void> {
  await node.stopDockerd();
  await node.exec(['sh', '-c', 'for ns in /run/docker/netns/*; do [ -e "$ns" ] || continue; umount "$ns" 2>/dev/null; rm -f "$ns"; done']);
  const vxlans = await node.exec(['ip', '-o', 'link', 'show', 'type', 'vxlan']);
  for (const line of vxlans.stdout.split('\n').filter(Boolean)) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (name) await node.exec(['ip', 'link', 'delete', name]);
  }
  await node.startDockerd();
}

interface Slot {
  node: ClusterNode;
  droplet?: { id: number; name: string };
  /** Set while the machine is being wiped after its droplet went. */
  wiping?: Promise<void>;
  /** Processes its user-data started (the support droplet's webroot server). */
  processes: ChildProcess[];
  /** Its wipe failed: it is not handed out again. */
  broken?: boolean;
}

export interface Binding {
  droplet: string;
  dropletId: number;
  machine: string;
  netns: string;
  publicIp: string;
  privateIp: string;
  dir: string;
}

export interface MachinePoolOptions {
  loadBalancerIp: string;
  log: (line: string) => void;
  /** Called after a droplet was bound to or released from a machine. */
  onChange: () => void;
}

export class MachinePool implements FakeMachines {
  private readonly slots: Slot[];
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    nodes: readonly ClusterNode[],
    private readonly options: MachinePoolOptions,
  ) {
    this.slots = nodes.map((node) => ({ node, processes: [] }));
  }

  get size(): number {
    return this.slots.length;
  }

  bindings(): Binding[] {
    return this.slots
      .filter((slot) => slot.droplet)
      .map((slot) => ({
        droplet: slot.droplet!.name,
        dropletId: slot.droplet!.id,
        machine: slot.node.name,
        netns: slot.node.netns,
        publicIp: slot.node.publicIp,
        privateIp: slot.node.privateIp,
        dir: slot.node.dir,
      }));
  }

  loadBalancerIp(): string {
    return this.options.loadBalancerIp;
  }

  async boot(droplet: ApiDroplet, authorizedKeys: string[]): Promise<{ publicIp: string; privateIp: string }> {
    const slot = this.slots.find((s) => !s.droplet && !s.wiping && !s.broken) ?? this.slots.find((s) => !s.droplet && !s.broken);
    if (!slot) throw new Error(`no free machine for ${droplet.name} (the sandbox has ${this.slots.length})`);
    slot.droplet = { id: droplet.id, name: droplet.name };
    await slot.wiping;
    if (slot.broken) {
      slot.droplet = undefined;
      throw new Error(`${slot.node.name} could not be wiped for ${droplet.name}`);
    }
    const { node } = slot;
    const hostname = await node.exec(['hostname', droplet.name]);
    if (hostname.code !== 0) throw new Error(`hostname ${droplet.name} on ${node.name}: ${hostname.stderr}`);
    writeFileSync(node.authorizedKeysPath, authorizedKeys.map((key) => `${key.trim()}\n`).join(''), { mode: 0o600 });
    this.options.log(`${droplet.name} → ${node.name} (${node.publicIp}, ${node.privateIp}), ${authorizedKeys.length} SSH key(s)`);
    this.options.onChange();
    // cloud-init runs after the droplet is active, as on DigitalOcean: `cloud-init status --wait` waits for it.
    void this.applyUserData(slot, droplet.user_data ?? '').catch((error: unknown) => this.options.log(`${droplet.name}: user-data failed: ${(error as Error).message}`));
    return { publicIp: node.publicIp, privateIp: node.privateIp };
  }

  release(droplet: ApiDroplet): void {
    const slot = this.slots.find((s) => s.droplet?.id === droplet.id);
    if (!slot) return;
    slot.droplet = undefined;
    this.options.log(`${droplet.name} destroyed: wiping ${slot.node.name}`);
    slot.wiping = this.wipe(slot)
      .then(() => {
        slot.wiping = undefined;
      })
      .catch((error: unknown) => {
        // Never handed out again: a droplet on a half-wiped machine would fail in ways no real one does.
        slot.broken = true;
        this.options.log(`wiping ${slot.node.name} failed, it is out of the pool: ${(error as Error).message}`);
      });
    this.options.onChange();
  }

  /**
   * Restarts a machine's engine when its systemctl stand-in asks (`systemctl restart docker` there),
   * polling every machine's request file; until close().
   */
  serveEngineRestarts(): void {
    const restarting = new Set<Slot>();
    this.restartTimer = setInterval(() => {
      for (const slot of this.slots) {
        const request = join(slot.node.dir, 'run', ENGINE_RESTART_REQUEST.replace(/^\/run\//, ''));
        if (restarting.has(slot) || slot.wiping || !existsSync(request)) continue;
        restarting.add(slot);
        this.options.log(`${slot.droplet?.name ?? slot.node.name}: systemctl restart docker`);
        void restartEngine(slot.node)
          .catch((error: unknown) => writeFileSync(`${request}.failed`, `Job for docker.service failed: ${(error as Error).message}\n`))
          .finally(() => {
            rmSync(request, { force: true });
            restarting.delete(slot);
          });
      }
    }, 500);
  }

  close(): void {
    if (this.restartTimer) clearInterval(this.restartTimer);
  }

  /** Waits until no machine is being wiped. */
  async settled(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.wiping));
  }

  /**
   * What cloud-init would do with the swarm-wiz user-data on a droplet, within the machine: files and
   * folders under its private paths, systemd units written by the user-data started as processes.
   * Packages are this machine's: each listed one must already be there (PACKAGE_COMMANDS), or cloud-init
   * ends in error naming it. Anything else is logged and skipped.
   */
  private async applyUserData(slot: Slot, userData: string): Promise<void> {
    const { node } = slot;
    const runDir = join(node.dir, 'run', CLOUD_INIT_RUN_DIR.replace(/^\/run\//, ''));
    mkdirSync(runDir, { recursive: true });
    const log: string[] = [];
    try {
      const document = (userData.trim() === '' ? {} : YAML.parse(userData)) as { write_files?: { path: string; content: string; permissions?: string }[]; runcmd?: (string | string[])[]; packages?: string[] };
      const units = new Map<string, string[]>();
      for (const file of document.write_files ?? []) {
        const unit = /^\/etc\/systemd\/system\/([^/]+\.service)$/.exec(file.path);
        if (unit) {
          const exec = /^ExecStart=(.+)$/m.exec(file.content)?.[1];
          if (exec) units.set(unit[1]!, exec.trim().split(/\s+/));
          continue;
        }
        if (!isPrivatePath(file.path)) {
          log.push(`skipped ${file.path} (not one of the machine's own paths)`);
          continue;
        }
        const written = await node.exec(['sh', '-c', 'umask 077; cat > "$1"; chmod "$2" "$1"', 'sh', file.path, file.permissions ?? '0644'], { input: file.content });
        if (written.code !== 0) throw new Error(`write_files ${file.path}: ${written.stderr}`);
      }
      // cloud-init's order: write_files, then packages, then runcmd.
      const probe: CommandProbe = async (command, withVersion) => {
        const env = { PATH: DROPLET_PATH, HOME: '/root' };
        const path = (await node.exec(['sh', '-c', 'command -v "$1"', 'sh', command], { env, timeoutMs: 10_000 })).stdout.trim();
        if (!path.startsWith('/')) return {};
        if (!withVersion) return { path };
        const version = await node.exec([path, '--version'], { env, timeoutMs: 10_000 });
        return { path, version: version.code === 0 ? version.stdout : '' };
      };
      const packages = await checkPackages(document.packages ?? [], probe);
      log.push(...packages.found.map((line) => `packages: ${line}`));
      if (packages.problems.length > 0) throw new Error(`packages: ${packages.problems.join('; ')}`);
      for (const entry of document.runcmd ?? []) {
        const argv = Array.isArray(entry) ? entry : ['sh', '-c', entry];
        const [command, ...args] = argv;
        if (command === 'systemctl') {
          const names = args.filter((arg) => !arg.startsWith('-') && arg !== 'enable' && arg !== 'start' && arg !== 'daemon-reload');
          for (const name of names) {
            const exec = units.get(name) ?? units.get(`${name}.service`);
            if (exec) slot.processes.push(node.spawnInside(exec, `${name}.log`));
            else log.push(`systemctl: ${name} is this machine's (docker runs already; cron is not run in the sandbox)`);
          }
          continue;
        }
        if ((command === 'mkdir' || command === 'chmod' || command === 'chown') && args.filter((arg) => arg.startsWith('/')).every(isPrivatePath)) {
          const result = await node.exec(argv);
          if (result.code !== 0) throw new Error(`${argv.join(' ')}: ${result.stderr}`);
          continue;
        }
        log.push(`skipped: ${argv.join(' ')}`);
      }
      writeFileSync(join(node.dir, 'cloud-init.log'), `${log.join('\n')}\n`);
      writeFileSync(join(runDir, 'cloud-init.done'), '');
    } catch (error) {
      writeFileSync(join(runDir, 'cloud-init.error'), `${(error as Error).message}\n`);
      throw error;
    }
  }

  private async wipe(slot: Slot): Promise<void> {
    const { node } = slot;
    // A destroyed droplet answers nothing at once: no SSH login to it while the machine is cleaned.
    await node.stopSshd();
    for (const child of slot.processes.splice(0)) child.kill('SIGKILL');
    await node.startDockerd(); // a test may have stopped it
    await node.docker(['swarm', 'leave', '--force']).catch(() => '');
    const containers = (await node.docker(['ps', '-aq'])).split('\n').filter(Boolean);
    if (containers.length > 0) await node.docker(['rm', '-f', '-v', ...containers]);
    await node.docker(['network', 'prune', '-f']);
    await node.docker(['volume', 'prune', '-f']);
    // A reinstalled droplet boots a fresh engine: Docker 20.10 keeps the old swarm's gossip (networkdb)
    // after a leave, and overlay peers of the next swarm would never be learned.
    await restartEngine(node);
    for (const own of ['srv', 'root', 'etc-swarm-wiz']) {
      const path = join(node.dir, own);
      for (const entry of readdirSync(path)) rmSync(join(path, entry), { recursive: true, force: true });
    }
    resetCronSpool(node.dir);
    rmSync(join(node.dir, 'run', CLOUD_INIT_RUN_DIR.replace(/^\/run\//, '')), { recursive: true, force: true });
    mkdirSync(dirname(node.authorizedKeysPath), { recursive: true, mode: 0o700 });
    writeFileSync(node.authorizedKeysPath, '', { mode: 0o600 });
    await node.restartSshd();
    await node.exec(['hostname', node.name]);
    this.options.log(`${node.name} is free again`);
  }
}
