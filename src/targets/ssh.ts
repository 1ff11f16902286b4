import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { quoteShellArg, type Command } from '../commands/command.js';
import { writeFileAtomic } from '../config/fs-atomic.js';
import { CommandAborted, HostKeyChanged, NodeUnreachable, SshFailed, tailOf, type UnreachableReason } from './errors.js';
import { execute } from './exec.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, redactedLines, settle } from './local.js';
import type { CommandResult, RunOptions, Shell, Target, TargetNode } from './target.js';

/**
 * Where the host key of each node is pinned (the caller keeps it in .swarm-wiz/state.json).
 * A key line is `<type> <base64>`, e.g. `ssh-ed25519 AAAAC3Nz…`.
 */
export interface HostKeyStore {
  get(nodeName: string): string | undefined;
  pin(nodeName: string, hostKeyLine: string): Promise<void>;
}

/** A HostKeyStore in memory (tests, one-off runs); `pins` lists every pin call in order. */
export function memoryHostKeyStore(initial: Record<string, string> = {}): HostKeyStore & { pins: { nodeName: string; hostKeyLine: string }[] } {
  const keys = new Map(Object.entries(initial));
  const pins: { nodeName: string; hostKeyLine: string }[] = [];
  return {
    pins,
    get: (nodeName) => keys.get(nodeName),
    async pin(nodeName, hostKeyLine) {
      pins.push({ nodeName, hostKeyLine });
      keys.set(nodeName, hostKeyLine);
    },
  };
}

export interface SshShellOptions {
  host: string;
  /** Default 22. */
  port?: number;
  /** Default root. */
  user?: string;
  /** The private key (.swarm-wiz/ssh/id_ed25519). */
  keyPath: string;
  /**
   * A folder for the ControlMaster sockets and the known_hosts files; made 0700. Keep its path short
   * (at most CONTROL_DIR_MAX characters): a unix socket path is limited to ~104 bytes.
   */
  controlDir: string;
  hostKeys: HostKeyStore;
  /** The node's name: the key in hostKeys, and named in errors. */
  nodeName: string;
  /** Default 10. */
  connectTimeoutS?: number;
  /** Default for RunOptions.timeoutMs. */
  timeoutMs?: number;
  /** Share one connection between commands (ControlMaster). Default true. */
  connectionSharing?: boolean;
}

export interface SshShell extends Shell {
  /** Ends the shared connection (`ssh -O exit`) and removes the known_hosts file. The shell may be used again afterwards. */
  close(): Promise<void>;
}

/** `<dir>/` + %C (40 hex) + the `.XXXXXXXXXXXXXXXX` ssh adds while binding must fit in 104 bytes. */
export const CONTROL_DIR_MAX = 104 - 1 - 40 - 17;

export { quoteShellArg };

/** The one string ssh hands to the remote shell for `argv`: each element quoted, joined by spaces. */
export function remoteCommandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('remoteCommandLine: empty argv');
  return argv.map(quoteShellArg).join(' ');
}

const KEY_TYPE = /^(ssh-|ecdsa-|sk-)/;

/** `[host]:port ssh-ed25519 AAAA… comment` or `ssh-ed25519 AAAA…` → `ssh-ed25519 AAAA…`; undefined if no key is in it. */
export function keyOfLine(line: string): string | undefined {
  const fields = line.trim().split(/\s+/);
  const at = fields.findIndex((field) => KEY_TYPE.test(field));
  const key = at >= 0 ? fields[at + 1] : undefined;
  if (key === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return undefined;
  return `${fields[at]} ${key}`;
}

/** `SHA256:…` of a key line, as `ssh-keygen -l` prints it. */
export function fingerprintOf(hostKeyLine: string): string {
  const key = keyOfLine(hostKeyLine);
  if (!key) throw new Error(`not an SSH public key line: ${JSON.stringify(hostKeyLine.slice(0, 80))}`);
  const blob = Buffer.from(key.split(' ')[1]!, 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The argv of `ssh` running `remote` (already one quoted string) with these options; pure. */
export function sshArgv(
  options: Pick<SshShellOptions, 'host' | 'port' | 'user' | 'keyPath' | 'controlDir' | 'connectTimeoutS' | 'connectionSharing'>,
  knownHostsFile: string,
  remote: string,
): string[] {
  const sharing = options.connectionSharing ?? true;
  return [
    'ssh',
    '-F', '/dev/null', // no user or system ssh_config: the same behaviour everywhere
    '-T',
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${options.connectTimeoutS ?? 10}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    ...(sharing
      ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${join(options.controlDir, '%C')}`, '-o', 'ControlPersist=60']
      : ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']),
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'HostKeyAlgorithms=ssh-ed25519',
    '-o', 'UpdateHostKeys=no',
    '-o', 'IdentitiesOnly=yes',
    '-i', options.keyPath,
    '-p', String(options.port ?? 22),
    `${options.user ?? 'root'}@${options.host}`,
    '--',
    remote,
  ];
}

/** How ssh said it failed (exit 255), or undefined when the 255 came from the remote command. */
type SshFailure =
  | { kind: 'host-key'; offered: string | undefined }
  | { kind: 'unreachable'; reason: UnreachableReason }
  | { kind: 'auth' }
  | { kind: 'dropped' }
  | { kind: 'other' };

export function classifySshStderr(stderr: string): SshFailure | undefined {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|has changed and you have requested strict checking/i.test(stderr)) {
    return { kind: 'host-key', offered: /sent by the remote host is\s*(SHA256:[A-Za-z0-9+/]+)/.exec(stderr)?.[1] };
  }
  const unreachable: [RegExp, UnreachableReason][] = [
    [/Connection refused/i, 'refused'],
    [/Connection timed out|Operation timed out|timed out during banner exchange/i, 'timeout'],
    [/No route to host|Network is unreachable/i, 'no-route'],
    [/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i, 'unresolved'],
    [/kex_exchange_identification|^Connection (closed|reset) by \S+ port \d+/im, 'closed'],
  ];
  for (const [pattern, reason] of unreachable) if (pattern.test(stderr)) return { kind: 'unreachable', reason };
  if (/Permission denied \(/.test(stderr)) return { kind: 'auth' };
  if (/^Connection to \S+ closed by remote host|^client_loop: send disconnect|^Timeout, server \S+ not responding|Broken pipe/im.test(stderr)) return { kind: 'dropped' };
  if (/^(ssh|ssh_\w+|mux_\w+|muxclient|control_\w+|Control socket|Bad \w+|command-line):? /im.test(stderr)) return { kind: 'other' };
  return undefined;
}

const UNREACHABLE_ERRNO: Record<string, UnreachableReason> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'no-route',
  ENETUNREACH: 'no-route',
  ENOTFOUND: 'unresolved',
  EAI_AGAIN: 'unresolved',
  ECONNRESET: 'closed',
};

/** Why ssh-keyscan got no key: a plain TCP connect tells refused from silent; 'not-ssh' when it connects. */
function tcpReason(host: string, port: number, timeoutS: number): Promise<UnreachableReason> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (reason: UnreachableReason) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutS * 1000, () => done('timeout'));
    socket.once('connect', () => done('not-ssh'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(UNREACHABLE_ERRNO[error.code ?? ''] ?? 'closed'));
  });
}

async function waitForExit(pid: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      process.kill(pid, 0);
      // A daemonised master is reparented; until its new parent reaps it, it is a zombie: gone too.
      if (/^\d+ \(.*\) Z/s.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''))) return;
    } catch {
      return;
    }
    if (Date.now() >= until) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs commands on a node over `ssh` (the OpenSSH client of this machine). The argv is quoted for
 * the remote shell element by element, so every value arrives as it was. The node's host key is
 * pinned at first contact (ssh-keyscan → hostKeys.pin) and checked strictly afterwards: a changed
 * key is HostKeyChanged, never re-pinned. Commands share one connection (ControlMaster) unless
 * connectionSharing is false.
 */
export function sshShell(options: SshShellOptions): SshShell {
  const { host, nodeName, hostKeys, controlDir } = options;
  const port = options.port ?? 22;
  const user = options.user ?? 'root';
  const connectTimeoutS = options.connectTimeoutS ?? 10;
  const sharing = options.connectionSharing ?? true;
  const address = `${host}:${port}`;
  if (controlDir.length > CONTROL_DIR_MAX) {
    throw new Error(
      `the ssh control folder ${controlDir} is ${controlDir.length} characters long; a unix socket path in it would pass ` +
        `the ~104-byte limit. Use a folder of at most ${CONTROL_DIR_MAX} characters (e.g. one made with mkdtemp in /tmp).`,
    );
  }
  const knownHostsFile = join(controlDir, `known_hosts.${nodeName.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 24)}.${randomBytes(4).toString('hex')}`);
  let knownHosts: Promise<string> | undefined;

  const unreachable = (reason: UnreachableReason) => new NodeUnreachable({ nodeName, host, port, reason });

  /** First contact: the node's ed25519 key as `ssh-ed25519 AAAA…`. */
  const scanHostKey = async (command: Command, signal: AbortSignal | undefined): Promise<string> => {
    const scan = await execute(['ssh-keyscan', '-T', String(connectTimeoutS), '-p', String(port), '-t', 'ed25519', host], {
      ...(signal ? { signal } : {}),
      timeoutMs: (connectTimeoutS + 10) * 1000,
    });
    if (scan.aborted) throw new CommandAborted(command, nodeName);
    if (scan.notStarted !== undefined) {
      throw new SshFailed({ nodeName, address, detail: scan.notStarted, hint: 'What to do: install the OpenSSH client (Debian/Ubuntu: openssh-client), then run again.' });
    }
    const key = scan.stdout
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .map(keyOfLine)
      .find((line) => line?.startsWith('ssh-ed25519 '));
    if (key) return key;
    throw unreachable(await tcpReason(host, port, connectTimeoutS));
  };

  /** The known_hosts file holding the pinned key (pinning it first if nothing is pinned yet). */
  const ensureKnownHosts = (command: Command, signal: AbortSignal | undefined): Promise<string> => {
    knownHosts ??= (async () => {
      let pinned = hostKeys.get(nodeName);
      if (pinned === undefined) {
        pinned = await scanHostKey(command, signal);
        await hostKeys.pin(nodeName, pinned);
      }
      const key = keyOfLine(pinned);
      if (!key) throw new Error(`the host key pinned for ${nodeName} is not an SSH key line (${JSON.stringify(pinned.slice(0, 40))}…); remove its hostKey from .swarm-wiz/state.json and run again`);
      await mkdir(controlDir, { recursive: true, mode: 0o700 });
      await chmod(controlDir, 0o700);
      const pattern = port === 22 ? host : `[${host}]:${port}`;
      await writeFileAtomic(knownHostsFile, `${pattern} ${key}\n`, 0o600);
      return knownHostsFile;
    })();
    const pending = knownHosts;
    pending.catch(() => {
      if (knownHosts === pending) knownHosts = undefined; // try again next time
    });
    return pending;
  };

  const exec = async (command: Command, runOptions: RunOptions, probe: boolean): Promise<CommandResult> => {
    if (runOptions.signal?.aborted) throw new CommandAborted(command, nodeName);
    const remote = remoteCommandLine(command.argv);
    const file = await ensureKnownHosts(command, runOptions.signal);
    const timeoutMs = runOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const onLine = redactedLines(command, runOptions);
    const execution = await execute(sshArgv(options, file, remote), {
      ...(command.stdin !== undefined ? { stdin: command.stdin } : {}),
      ...(runOptions.signal ? { signal: runOptions.signal } : {}),
      ...(onLine ? { onLine } : {}),
      timeoutMs,
    });
    if (execution.exitCode === 255 && !execution.aborted && !execution.timedOut) {
      const failure = classifySshStderr(execution.stderr);
      if (failure) await throwSshFailure(failure, command, execution.stderr, runOptions.signal);
    }
    return settle(command, nodeName, execution, timeoutMs, probe);
  };

  const throwSshFailure = async (failure: SshFailure, command: Command, stderr: string, signal: AbortSignal | undefined): Promise<never> => {
    const detail = tailOf(stderr, command.secrets, 3);
    switch (failure.kind) {
      case 'host-key': {
        const pinned = hostKeys.get(nodeName);
        let offered = failure.offered;
        if (offered === undefined) offered = await scanHostKey(command, signal).then(fingerprintOf, () => undefined);
        throw new HostKeyChanged({
          nodeName,
          address,
          pinnedFingerprint: pinned ? fingerprintOf(pinned) : 'none',
          offeredFingerprint: offered ?? 'unknown',
        });
      }
      case 'unreachable':
        throw unreachable(failure.reason);
      case 'auth':
        throw new SshFailed({
          nodeName,
          address,
          detail,
          hint: `What to do: the node does not accept the key ${options.keyPath} for ${user}; check that the droplet was created with its public key (DigitalOcean SSH key), then run again.`,
        });
      case 'dropped':
        throw new SshFailed({
          nodeName,
          address,
          detail,
          hint: 'What to do: the connection dropped while the command ran, so it may have done part of its work; check the node is up, then run again.',
        });
      case 'other':
        throw new SshFailed({ nodeName, address, detail, hint: 'What to do: the message above is ssh\'s own; fix what it names, then run again.' });
    }
  };

  return {
    run: (command, runOptions = {}) => exec(command, runOptions, false),
    probe: (command, runOptions = {}) => exec(command, runOptions, true),
    async close() {
      const file = knownHosts ? await knownHosts.catch(() => undefined) : undefined;
      if (sharing && file) {
        const control = ['ssh', '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `ControlPath=${join(controlDir, '%C')}`, '-p', String(port)];
        const check = await execute([...control, '-O', 'check', `${user}@${host}`], { timeoutMs: 10_000 });
        const pid = Number(/pid=(\d+)/.exec(check.stderr)?.[1] ?? 0);
        if (check.exitCode === 0 && pid > 0) {
          await execute([...control, '-O', 'exit', `${user}@${host}`], { timeoutMs: 10_000 });
          await waitForExit(pid, 5_000);
        }
      }
      knownHosts = undefined;
      await rm(knownHostsFile, { force: true });
    },
  };
}

export type SshTargetOptions = Omit<SshShellOptions, 'host' | 'nodeName'>;

/** The droplets of a project: one ssh shell per node, reached at its public address. */
export function sshTarget(nodes: readonly TargetNode[], options: SshTargetOptions): Target {
  const shells = new Map<string, SshShell>();
  for (const node of nodes) {
    if (!node.publicIp) throw new Error(`node ${node.name} has no public IP address to reach it over SSH; run apply again to refresh it from DigitalOcean`);
    if (shells.has(node.name)) throw new Error(`two nodes are named ${node.name}`);
    shells.set(node.name, sshShell({ ...options, host: node.publicIp, nodeName: node.name }));
  }
  const list = [...nodes];
  return {
    kind: 'digitalocean',
    nodes: () => list,
    shell(nodeName) {
      const shell = shells.get(nodeName);
      if (!shell) throw new Error(`no node named ${nodeName} (nodes: ${list.map((n) => n.name).join(', ') || 'none'})`);
      return shell;
    },
    async close() {
      const results = await Promise.allSettled([...shells.values()].map((shell) => shell.close()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
