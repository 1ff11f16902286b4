/**
 * The ssh target against a real sshd on 127.0.0.1 (test/peers/sshd.ts), with keys made by ssh-keygen.
 * Fails, never skips, when OpenSSH is missing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandAborted,
  CommandFailed,
  fingerprintOf,
  HostKeyChanged,
  memoryHostKeyStore,
  NodeUnreachable,
  SshFailed,
  sshShell,
  sshTarget,
  type HostKeyStore,
  type SshShell,
  type SshShellOptions,
} from '../../src/targets/index.js';
import { generateKey, startSshd, type SshdPeer } from '../peers/sshd.js';
import { runArgv } from '../peers/tools.js';
import { rejection } from './rejection.js';

const SECRET = 'SWMTKN-1-ssh-s3cr3t-0123456789abcdef';

let peer: SshdPeer;
let work: string;
let keyPath: string;
const shells: SshShell[] = [];
const dirs: string[] = [];
const servers: Server[] = [];

/** A short 0700 folder for control sockets (unix socket paths are limited to ~104 bytes). */
function controlDir(): string {
  const dir = mkdtempSync('/tmp/swz-c-');
  dirs.push(dir);
  return dir;
}

function shellFor(overrides: Partial<SshShellOptions> & { hostKeys: HostKeyStore }): SshShell {
  const shell = sshShell({ host: '127.0.0.1', port: peer.port, keyPath, controlDir: controlDir(), nodeName: 'manager-1', ...overrides });
  shells.push(shell);
  return shell;
}

/** Alive and not a zombie (a daemonised ssh master is reaped by whoever adopted it, maybe later). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const sockets = (dir: string): string[] => readdirSync(dir).filter((name) => statSync(join(dir, name)).isSocket());


/** A port on 127.0.0.1 that nothing listens on (refused). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  peer = await startSshd();
  work = mkdtempSync(join(tmpdir(), 'swz-ssh-test-'));
  dirs.push(work);
  keyPath = join(work, 'id_ed25519');
  peer.authorize(await generateKey(keyPath));
});

afterAll(async () => {
  await Promise.allSettled(shells.map((shell) => shell.close()));
  await Promise.allSettled(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await peer?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('sshShell against a real sshd', () => {
  it('delivers every argv element byte for byte, hostile values included (printf round trip)', async () => {
    const marker = join(work, 'injected');
    const hostile = [
      'two words',
      "it's",
      '"double"',
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `; touch ${marker}`,
      `| touch ${marker}`,
      'line one\nline two',
      '',
      '   ',
      '\t tab',
      'ünïcödé ✓ 日本語 🐳',
      '$HOME ${PATH} $1 $@',
      '\\backslash\\',
      '* ? [a-z] ~ {a,b}',
      '--',
      '-n',
      "''",
      "'\\''",
      '#not a comment',
      '!history',
      '> redirect < in &',
      'trailing\n',
    ];
    const shell = shellFor({ hostKeys: memoryHostKeyStore() });
    const direct = await shell.run({ argv: ['printf', '%s\\0', ...hostile], description: 'print the arguments' });
    expect(Buffer.from(direct.stdout)).toEqual(Buffer.from(hostile.map((value) => `${value}\0`).join('')));

    // The same values through a second shell layer on the node, compared as bytes by hash.
    const expected = createHash('sha256').update(Buffer.from(hostile.map((value) => `${value}\0`).join(''), 'utf8')).digest('hex');
    const hashed = await shell.run({ argv: ['sh', '-c', 'printf "%s\\0" "$@" | sha256sum', 'sh', ...hostile], description: 'hash the arguments' });
    expect(hashed.stdout.split(' ')[0]).toBe(expected);
    expect(existsSync(marker)).toBe(false);
  });

  it('forwards stdin: 1 MB of binary arrives intact', async () => {
    const data = randomBytes(1024 * 1024);
    const shell = shellFor({ hostKeys: memoryHostKeyStore() });
    const result = await shell.run({ argv: ['sha256sum'], stdin: data, description: 'hash stdin' });
    expect(result.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
    const text = await shell.run({ argv: ['cat'], stdin: 'a\nb', description: 'echo stdin' });
    expect(text.stdout).toBe('a\nb');
  });

  it('passes the remote exit code on: run rejects with CommandFailed, probe returns it (255 too)', async () => {
    const shell = shellFor({ hostKeys: memoryHostKeyStore() });
    const command = { argv: ['sh', '-c', 'echo "not a swarm manager" >&2; exit 3'], description: 'list the nodes' };
    const error = (await rejection(shell.run(command))) as CommandFailed;
    expect(error).toBeInstanceOf(CommandFailed);
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('list the nodes (on manager-1) failed (exit 3)');
    expect(error.message).toContain('not a swarm manager');
    expect(await shell.probe(command)).toEqual({ exitCode: 3, stdout: '', stderr: 'not a swarm manager\n' });
    expect((await shell.probe({ argv: ['sh', '-c', 'exit 255'], description: 'exit 255' })).exitCode).toBe(255);
  });

  it('never shows a secret from argv or the remote stderr in the error or onOutput', async () => {
    const shell = shellFor({ hostKeys: memoryHostKeyStore() });
    const lines: string[] = [];
    const command = {
      argv: ['sh', '-c', 'echo "join failed for $1" >&2; echo "token $1"; exit 1', 'sh', SECRET],
      secrets: [SECRET],
      description: 'join the swarm',
    };
    const error = (await rejection(shell.run(command, { onOutput: (line) => lines.push(line) }))) as CommandFailed;
    expect(error).toBeInstanceOf(CommandFailed);
    expect([error.message, error.stack ?? '', JSON.stringify(error), ...lines].join('\n')).not.toContain(SECRET);
    expect(lines.sort()).toEqual(['join failed for ***', 'token ***']);
  });

  it('pins the host key at first contact (ssh-keyscan → store.pin), once', async () => {
    const store = memoryHostKeyStore();
    const shell = shellFor({ hostKeys: store, nodeName: 'worker-7' });
    await Promise.all([1, 2, 3].map((n) => shell.run({ argv: ['true'], description: `command ${n}` })));
    await shell.run({ argv: ['true'], description: 'again' });
    expect(store.pins).toEqual([{ nodeName: 'worker-7', hostKeyLine: peer.hostKeyLine }]);

    // ssh-keygen agrees with the fingerprint the errors print
    const fromKeygen = await runArgv('sh', ['-c', 'printf "%s\\n" "$1" | ssh-keygen -lf -', 'sh', peer.hostKeyLine]);
    expect(fromKeygen.stdout.split(' ')[1]).toBe(fingerprintOf(peer.hostKeyLine));

    // An already pinned key is used as it is: no scan, no pin.
    const pinned = memoryHostKeyStore({ 'manager-1': peer.hostKeyLine });
    await shellFor({ hostKeys: pinned }).run({ argv: ['true'], description: 'with a pinned key' });
    expect(pinned.pins).toEqual([]);
  });

  it('BatchMode: a key the node does not accept fails fast with SshFailed instead of prompting', async () => {
    const strangerKey = join(work, 'stranger');
    await generateKey(strangerKey);
    const shell = shellFor({ hostKeys: memoryHostKeyStore(), keyPath: strangerKey });
    const started = Date.now();
    const error = (await rejection(shell.run({ argv: ['true'], description: 'try' }))) as SshFailed;
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(SshFailed);
    expect(error.message).toContain('Permission denied (publickey)');
    expect(error.hint).toContain(strangerKey);
    expect(elapsed).toBeLessThan(15_000);
  });

  it('shares one connection: the ControlPath socket exists after the first command and close() removes it', async () => {
    const commands = 5;
    const timed = async (shell: SshShell): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < commands; i++) await shell.run({ argv: ['true'], description: `command ${i}` });
      return performance.now() - started;
    };
    const dir = controlDir();
    const shared = shellFor({ hostKeys: memoryHostKeyStore(), controlDir: dir });
    await shared.run({ argv: ['true'], description: 'open the master' });
    const [socket] = sockets(dir);
    expect(socket).toMatch(/^[0-9a-f]{40}$/);
    const master = await runArgv('ssh', ['-F', '/dev/null', '-o', `ControlPath=${dir}/%C`, '-O', 'check', '-p', String(peer.port), 'root@127.0.0.1']);
    expect(master.stderr).toMatch(/Master running \(pid=(\d+)\)/);
    const masterPid = Number(/pid=(\d+)/.exec(master.stderr)![1]);
    const sharedMs = await timed(shared);

    const unsharedDir = controlDir();
    const unshared = shellFor({ hostKeys: memoryHostKeyStore(), controlDir: unsharedDir, connectionSharing: false });
    await unshared.run({ argv: ['true'], description: 'pin the key' });
    const unsharedMs = await timed(unshared);
    expect(sockets(unsharedDir)).toEqual([]);
    console.log(
      `ssh: ${commands} sequential commands: ${sharedMs.toFixed(0)} ms with a shared connection (ControlMaster), ` +
        `${unsharedMs.toFixed(0)} ms without (${(sharedMs / commands).toFixed(0)} vs ${(unsharedMs / commands).toFixed(0)} ms each)`,
    );

    await shared.close();
    expect(readdirSync(dir)).toEqual([]); // the socket and the known_hosts file
    expect(running(masterPid)).toBe(false);
    // A closed shell can be used again: it opens a new master.
    await shared.run({ argv: ['true'], description: 'after close' });
    expect(sockets(dir)).toHaveLength(1);
    await shared.close();
    await unshared.close();
    expect(readdirSync(unsharedDir)).toEqual([]);
  });

  it('aborts a running remote command (CommandAborted) and stops one that passes its timeout', async () => {
    const shell = shellFor({ hostKeys: memoryHostKeyStore() });
    const controller = new AbortController();
    const aborted = shell.run({ argv: ['sh', '-c', 'echo started; sleep 30'], description: 'sleep' }, { signal: controller.signal, onOutput: () => controller.abort() });
    expect(await rejection(aborted)).toBeInstanceOf(CommandAborted);
    const timedOut = (await rejection(shell.run({ argv: ['sleep', '30'], description: 'wait' }, { timeoutMs: 500 }))) as CommandFailed;
    expect(timedOut).toBeInstanceOf(CommandFailed);
    expect(timedOut.timedOut).toBe(true);
  });

  it('a refused port is NodeUnreachable naming host:port, at first contact and with a pinned key', async () => {
    const port = await closedPort();
    for (const hostKeys of [memoryHostKeyStore(), memoryHostKeyStore({ 'manager-1': peer.hostKeyLine })]) {
      const error = (await rejection(shellFor({ hostKeys, port }).run({ argv: ['true'], description: 'try' }))) as NodeUnreachable;
      expect(error).toBeInstanceOf(NodeUnreachable);
      expect(error.reason).toBe('refused');
      expect(error.message).toContain(`cannot reach manager-1 over SSH at 127.0.0.1:${port}: connection refused`);
      expect(hostKeys.get('manager-1') === undefined || hostKeys.get('manager-1') === peer.hostKeyLine).toBe(true);
    }
  });

  it('a port that accepts but never speaks SSH is NodeUnreachable after the connect timeout', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    servers.push(silent);
    silent.on('close', () => held.forEach((socket) => socket.destroy()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const pinned = shellFor({ hostKeys: memoryHostKeyStore({ 'manager-1': peer.hostKeyLine }), port, connectTimeoutS: 1 });
    const error = (await rejection(pinned.run({ argv: ['true'], description: 'try' }))) as NodeUnreachable;
    expect(error).toBeInstanceOf(NodeUnreachable);
    expect(error.reason).toBe('timeout');
    const first = (await rejection(shellFor({ hostKeys: memoryHostKeyStore(), port, connectTimeoutS: 1 }).run({ argv: ['true'], description: 'try' }))) as NodeUnreachable;
    expect(first).toBeInstanceOf(NodeUnreachable);
    expect(first.message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(20_000);
    held.forEach((socket) => socket.destroy());
  });

  it('sshTarget: one shell per node by its public address, kind digitalocean', async () => {
    const store = memoryHostKeyStore();
    const target = sshTarget(
      [
        { name: 'manager-1', role: 'manager', publicIp: '127.0.0.1', privateIp: '10.110.0.2' },
        { name: 'worker-1', role: 'worker', publicIp: '127.0.0.1', privateIp: '10.110.0.3' },
      ],
      { port: peer.port, keyPath, controlDir: controlDir(), hostKeys: store },
    );
    try {
      expect(target.kind).toBe('digitalocean');
      expect(target.nodes().map((node) => node.name)).toEqual(['manager-1', 'worker-1']);
      const result = await target.shell('worker-1').run({ argv: ['echo', 'hello from worker-1'], description: 'echo' });
      expect(result.stdout).toBe('hello from worker-1\n');
      expect(store.pins.map((pin) => pin.nodeName)).toEqual(['worker-1']);
      expect(() => target.shell('worker-9')).toThrow(/no node named worker-9 \(nodes: manager-1, worker-1\)/);
    } finally {
      await target.close();
    }
    expect(() => sshTarget([{ name: 'manager-1', role: 'manager' }], { keyPath, controlDir: '/tmp/x', hostKeys: store })).toThrow(/manager-1 has no public IP/);
  });
});

describe('sshShell when the host key changes', () => {
  it('refuses with HostKeyChanged naming the node and both fingerprints; nothing runs and nothing is re-pinned', async () => {
    const own = await startSshd();
    try {
      own.authorize(await generateKey(join(work, 'rebuild_key')));
      const store = memoryHostKeyStore();
      const options = { host: '127.0.0.1', port: own.port, keyPath: join(work, 'rebuild_key'), hostKeys: store, nodeName: 'manager-1' };
      const before = shellFor({ ...options, controlDir: controlDir() });
      await before.run({ argv: ['true'], description: 'first contact' });
      await before.close();
      const pinned = own.hostKeyLine;
      expect(store.get('manager-1')).toBe(pinned);

      const offered = await own.replaceHostKey();
      expect(offered).not.toBe(pinned);
      const marker = join(work, 'ran-after-key-change');
      const after = shellFor({ ...options, controlDir: controlDir() });
      const error = (await rejection(after.run({ argv: ['touch', marker], description: 'touch a file' }))) as HostKeyChanged;
      expect(error).toBeInstanceOf(HostKeyChanged);
      expect(error.message).toContain(`manager-1 (127.0.0.1:${own.port})`);
      expect(error.pinnedFingerprint).toBe(fingerprintOf(pinned));
      expect(error.offeredFingerprint).toBe(fingerprintOf(offered));
      expect(error.message).toContain(fingerprintOf(pinned));
      expect(error.message).toContain(fingerprintOf(offered));
      expect(error.hint).toContain('remove its hostKey from .swarm-wiz/state.json');
      expect(error.hint).toContain('intercepting');
      expect(existsSync(marker)).toBe(false);
      expect(store.pins).toHaveLength(1);
      expect(store.get('manager-1')).toBe(pinned);
      // probe refuses the same way: a changed key is never a result
      await expect(after.probe({ argv: ['true'], description: 'probe' })).rejects.toBeInstanceOf(HostKeyChanged);
    } finally {
      await own.stop();
    }
  });
});
