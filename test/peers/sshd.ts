/**
 * A real OpenSSH server on 127.0.0.1 for the ssh target's tests: `/usr/sbin/sshd -D -e -f <own config>`
 * run as root from a temp dir, with its own ed25519 host key and authorized_keys, key logins only.
 *
 * ```ts
 * const peer = await startSshd();
 * peer.authorize(publicKeyLine);           // a key made with ssh-keygen
 * // ssh -p peer.port root@127.0.0.1 …; the host key is peer.hostKeyLine ("ssh-ed25519 AAAA…")
 * await peer.replaceHostKey();             // as if the droplet were rebuilt
 * await peer.stop();                       // sshd, its sessions and the temp dir are gone
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../support/net.js';
import { canConnect, requireTool, runArgv } from './tools.js';

const SSHD = '/usr/sbin/sshd';
const MARKER = 'SWARM_WIZ_TEST_SSHD';

export interface SshdPeer {
  port: number;
  /** The served host key as `ssh-ed25519 AAAA…` (type and key, no comment). Changes with replaceHostKey. */
  readonly hostKeyLine: string;
  /** Lets the holder of this public key (`ssh-ed25519 AAAA… comment`) log in as root. */
  authorize(publicKeyLine: string): void;
  /** Restarts sshd on the same port with a newly generated host key, ending every open session; returns the new key line. */
  replaceHostKey(): Promise<string>;
  /** sshd's log so far (stderr, `-e`). */
  log(): string;
  stop(): Promise<void>;
}

/** An sshd_config for a test server: root logs in with a key only; no PAM, no passwords, no strict modes. */
export function sshdConfigText(options: { port: number; listen: string; hostKeyPath: string; authorizedKeys: string; pidFile: string; extra?: string[] }): string {
  return [
    `Port ${options.port}`,
    `ListenAddress ${options.listen}`,
    `HostKey ${options.hostKeyPath}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    `AuthorizedKeysFile ${options.authorizedKeys}`,
    'StrictModes no',
    'UsePAM no',
    `PidFile ${options.pidFile}`,
    'MaxSessions 32',
    'MaxStartups 64',
    'LogLevel VERBOSE',
    ...(options.extra ?? []),
    '',
  ].join('\n');
}

/** Fails (never skips) unless sshd and the OpenSSH client tools are installed. */
export function requireOpenSsh(): void {
  if (!existsSync(SSHD)) {
    throw new Error(
      `${SSHD} is missing: the ssh target's tests run a real sshd. Install the Debian package openssh-server ` +
        '(`sudo bash test/peers/install.sh`); tests never skip a missing tool.',
    );
  }
  requireTool('ssh (Debian package openssh-client)', ['ssh', '-V'], 'the ssh target tests');
  for (const tool of ['ssh-keygen', 'ssh-keyscan']) {
    const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
    if (!dirs.some((dir) => existsSync(join(dir, tool)))) {
      throw new Error(`${tool} is not on PATH: install the Debian package openssh-client (\`sudo bash test/peers/install.sh\`); tests never skip a missing tool.`);
    }
  }
}

/** ssh-keygen a new ed25519 key at `path` (no passphrase); returns the public key's `type key`. */
export async function generateKey(path: string, comment = 'swarm-wiz-test'): Promise<string> {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  const made = await runArgv('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  if (made.code !== 0) throw new Error(`ssh-keygen failed (exit ${made.code}): ${made.stderr}`);
  return readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * Every descendant of `pid`, found through /proc parent links. sshd's per-connection processes call
 * setsid and the commands they run are not in sshd's process group either, so a group kill misses them.
 */
function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces or parentheses, so read after the last ')'.
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/**
 * Processes started through the sshd of `dir` (their environment holds the marker). A command whose
 * session ended (no tty: sshd does not signal it) is adopted by init and is no descendant any more.
 */
function markedWith(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`${MARKER}=${dir}`)) found.push(Number(entry));
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
  return found;
}

/** Running, and not a zombie waiting for whoever adopted it to reap it. */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function waitGone(pids: number[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

export async function startSshd(): Promise<SshdPeer> {
  requireOpenSsh();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
  const dir = mkdtempSync(join(tmpdir(), 'swz-sshd-'));
  const hostKeyPath = join(dir, 'host_ed25519');
  const authorizedKeys = join(dir, 'authorized_keys');
  const configPath = join(dir, 'sshd_config');
  writeFileSync(authorizedKeys, '', { mode: 0o600 });
  let hostKeyLine = '';
  let child: ChildProcess | undefined;
  let output = '';
  let port = 0;

  const start = async (): Promise<void> => {
    writeFileSync(
      configPath,
      sshdConfigText({
        port,
        listen: '127.0.0.1',
        hostKeyPath,
        authorizedKeys,
        pidFile: join(dir, 'sshd.pid'),
        // Marks every command run through this sshd, so stop() finds the ones a closed session left behind.
        extra: [`SetEnv ${MARKER}=${dir}`],
      }),
    );
    const test = await runArgv(SSHD, ['-t', '-f', configPath]);
    if (test.code !== 0) throw new Error(`sshd -t rejected the test config (exit ${test.code}): ${test.stderr.trim()}`);
    const proc = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (output.includes('Server listening on') && (await canConnect(port))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    const log = output.trim();
    await stopDaemon();
    throw new Error(`sshd did not start listening on 127.0.0.1:${port} within 10 s: ${log || '(no output)'}`);
  };

  const stopDaemon = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    const running = proc?.pid !== undefined && proc.exitCode === null && proc.signalCode === null;
    // The listener's sessions and the commands they run outlive it: end them too, like a rebuilt droplet would.
    const sessions = [...new Set([...(running ? descendantsOf(proc.pid!) : []), ...markedWith(dir)])];
    const exited = running ? new Promise<void>((resolve) => proc.once('exit', () => resolve())) : Promise.resolve();
    if (running) proc.kill('SIGTERM');
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
    if (running && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await waitGone(sessions, 3_000);
  };

  hostKeyLine = await generateKey(hostKeyPath, 'swarm-wiz-test-host');
  // A free port can be taken between finding and binding it: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 3 || !/Address already in use|Bind to port/i.test(output)) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      output = '';
    }
  }

  return {
    port,
    get hostKeyLine() {
      return hostKeyLine;
    },
    authorize(publicKeyLine: string) {
      appendFileSync(authorizedKeys, `${publicKeyLine.trim()}\n`);
    },
    async replaceHostKey() {
      await stopDaemon();
      hostKeyLine = await generateKey(hostKeyPath, 'swarm-wiz-test-host-rebuilt');
      output = '';
      await start();
      return hostKeyLine;
    },
    log: () => output,
    async stop() {
      await stopDaemon();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
