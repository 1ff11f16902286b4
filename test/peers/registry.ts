/**
 * A real image registry for tests of image delivery: Debian's `docker-registry` (the CNCF
 * distribution registry, 2.8), `docker-registry serve <config.yml>` with filesystem storage in `dir`
 * and plain HTTP, optionally inside a network namespace.
 *
 * Plain HTTP means every dockerd that pushes or pulls must list the registry as insecure in its
 * daemon.json (127.0.0.0/8 is insecure by default, nothing else is):
 *
 * ```json
 * { "insecure-registries": ["10.110.0.2:5000"] }
 * ```
 *
 * (an entry is `host:port` as images name it, or a CIDR such as `10.110.0.0/20`). The sandbox
 * cluster writes that for each node with `startCluster({ workers, insecureRegistries: ['10.110.0.2:5000'] })`.
 *
 * With `auth`, pushes and pulls need a login (htpasswd, bcrypt made with Python's crypt module); the
 * registry still speaks plain HTTP.
 *
 * ```ts
 * const registry = await startRegistry({ netns: cluster.operatorNetns, address: '10.110.0.2', port: 5000, dir });
 * await node.docker(['push', `${registry.host}/swz/probe:1`]);
 * await registry.stop(); // the process is gone; dir (its storage) is the caller's
 * ```
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from './tools.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface RegistryPeer {
  /** `address:port`, the prefix of the images it holds (`<host>/name:tag`). */
  host: string;
  pid: number;
  /** Its log so far. */
  log(): string;
  /** SIGTERM (SIGKILL after 5 s); resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Fails (never skips) unless Debian's docker-registry is installed. */
export function requireRegistry(): void {
  if (!existsSync(REGISTRY_BINARY)) {
    throw new Error(
      `${REGISTRY_BINARY} is missing: the image delivery tests run a real registry. Install the Debian package docker-registry ` +
        '(`sudo bash test/peers/install.sh`); tests never skip a missing tool.',
    );
  }
  requireTool('docker-registry (Debian package docker-registry)', [REGISTRY_BINARY, '--version'], 'a real image registry');
}

/** Python's crypt module makes bcrypt ($2b$), the only hash the registry's htpasswd accepts. */
const BCRYPT = 'import crypt, sys; print(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))';

/** A bcrypt hash of `password` for an htpasswd line; fails (never skips) without python3's crypt module. */
export function bcryptHash(password: string): string {
  requireTool('python3 with the crypt module (bcrypt)', ['python3', '-W', 'ignore', '-c', 'import crypt; crypt.METHOD_BLOWFISH'], 'an htpasswd file for the registry peer');
  const hash = execFileSync('python3', ['-W', 'ignore', '-c', BCRYPT], { input: password, encoding: 'utf8' }).trim();
  if (!hash.startsWith('$2')) throw new Error(`python3 crypt made no bcrypt hash: ${hash}`);
  return hash;
}

/** A minimal registry config: filesystem storage, plain HTTP on `address:port`, no auth unless an htpasswd file is given. */
export function registryConfigText(options: { address: string; port: number; storage: string; htpasswd?: string }): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  fields:',
    '    service: swz-test-registry',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${options.storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${options.address}:${options.port}`,
    // One instance, no load balancing: a fixed secret just silences the "generating a random secret" warning.
    '  secret: swz-test-registry',
    ...(options.htpasswd ? ['auth:', '  htpasswd:', '    realm: swz-test-registry', `    path: ${options.htpasswd}`] : []),
    '',
  ].join('\n');
}


/**
 * Starts the registry (in network namespace `netns` when given, `/run/netns/<netns>`), config, storage
 * and log in `dir`; resolves once it listens.
 */
export async function startRegistry(options: { netns?: string; address: string; port: number; dir: string; auth?: { username: string; password: string } }): Promise<RegistryPeer> {
  requireRegistry();
  const storage = join(options.dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const configPath = join(options.dir, 'registry.yml');
  const logPath = join(options.dir, 'registry.log');
  const htpasswd = options.auth ? join(options.dir, 'htpasswd') : undefined;
  if (htpasswd && options.auth) writeFileSync(htpasswd, `${options.auth.username}:${bcryptHash(options.auth.password)}\n`, { mode: 0o600 });
  writeFileSync(configPath, registryConfigText({ address: options.address, port: options.port, storage, ...(htpasswd ? { htpasswd } : {}) }));
  const readLog = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const argv = [REGISTRY_BINARY, 'serve', configPath];
  const logFd = openSync(logPath, 'a');
  const child = options.netns
    ? spawn('nsenter', [`--net=/run/netns/${options.netns}`, '--', ...argv], { stdio: ['ignore', logFd, logFd] })
    : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!running()) return;
    child.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
    child.kill('SIGKILL');
    await exited;
  };
  const host = `${options.address}:${options.port}`;
  for (let i = 0; !readLog().includes(`listening on ${host}`); i++) {
    if (!running() || i > 200) {
      await stop();
      throw new Error(`docker-registry did not start on ${host}${options.netns ? ` in ${options.netns}` : ''}:\n${readLog().slice(-3000)}`);
    }
    await sleep(50);
  }
  return { host, pid: child.pid!, log: readLog, stop };
}
