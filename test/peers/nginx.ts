/**
 * Runs a generated nginx.conf — the exact text, unchanged — on the real nginx of this machine.
 *
 * nginx runs inside `unshare --net --mount` (needs root), so it can listen on 80/443 and use the
 * in-container paths the config names without touching the host or other tests:
 * - temp dirs are bind-mounted over `/etc/nginx` (nginx.conf, mime.types, files you give under
 *   /etc/nginx/…) and `/run` (files under /run/…, e.g. /run/secrets/a.com.crt), and a temp file over
 *   `/etc/hosts` (`hosts`: what compose `extra_hosts` gives the container, e.g. swarm-wiz-support);
 * - a tiny DNS server answers on 127.0.0.11:53 like Docker's embedded DNS (`services`): a name mapped
 *   to `null` does not exist (NXDOMAIN), like a `dnsrr` service scaled to 0;
 * - every name:port nginx connects to inside is forwarded (iptables DNAT + a unix socket) to a target
 *   on the host loopback, and
 *   nginx's ports are forwarded out to ephemeral ports on 127.0.0.1 (`httpPort`, `httpsPort`).
 *
 * Use (e.g. the ACME end-to-end test: Pebble validates HTTP-01 through the proxy's port 80):
 * ```ts
 * const proxy = await startProxy({
 *   nginxConf: renderedText,
 *   files: { '/run/secrets/a.com.crt': certPem, '/run/secrets/a.com.key': keyPem },
 *   services: { 'service-a:5000': { host: '127.0.0.1', port: backendPort }, 'service-b:5000': null },
 *   hosts: { 'swarm-wiz-support:80': { host: '127.0.0.1', port: webrootPort } },
 * });
 * // pebble's httpPort = proxy.httpPort; HTTPS: tls.connect({ port: proxy.httpsPort, servername: 'a.com' })
 * await proxy.stop();
 * ```
 * `checkNginxConf` runs `nginx -t` on the same layout.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canConnect, requireIptables, requireNginx, requireOpenssl, requireTool, requireUnshare, runArgv } from './tools.js';

export interface Target {
  host: string;
  port: number;
}

export interface ProxyOptions {
  /** The nginx.conf text exactly as rendered; mounted at /etc/nginx/nginx.conf. */
  nginxConf: string;
  /** More files by absolute in-container path; only under /etc/nginx/ or /run/. */
  files?: Record<string, string | Uint8Array>;
  /** `name:port` → target, resolved through the fake Docker DNS (127.0.0.11); `null` = no such name. */
  services?: Record<string, Target | null>;
  /** `name:port` → target, resolved through /etc/hosts (compose extra_hosts). */
  hosts?: Record<string, Target>;
  /** Ports nginx listens on, forwarded out. Default [80, 443]. */
  ports?: number[];
  /**
   * Run another nginx build: a root filesystem holding /usr/sbin/nginx and its libraries (see
   * `newerNginxRoot`), entered with chroot. Default: this machine's nginx.
   */
  nginxRoot?: string;
}

export interface RunningProxy {
  /** 127.0.0.1 port forwarded to nginx's port 80. */
  httpPort: number;
  /** 127.0.0.1 port forwarded to nginx's port 443. */
  httpsPort: number;
  /** Every forwarded port: nginx port → 127.0.0.1 port. */
  ports: ReadonlyMap<number, number>;
  /** nginx's stderr/stdout so far (error and access log). */
  log(): string;
  /** Runs a command in nginx's network and mount namespaces (e.g. the container health check). */
  exec(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

interface SandboxSpec {
  mode: 'serve' | 'test';
  /** nginx's stdout and stderr go to this file: /dev/stdout must be a file or pipe, not a socket. */
  logFile: string;
  mounts: [string, string][];
  /** chroot into this root filesystem to run nginx (the mounts are made inside it). */
  nginxRoot?: string;
  dns: Record<string, string>;
  /** Inside the namespace: listen on ip:port, forward to a unix socket served outside. */
  inbound: { ip: string; port: number; socket: string }[];
  /** Inside the namespace: listen on a unix socket, forward to nginx at 127.0.0.1:port. */
  outbound: { port: number; socket: string }[];
}

const THIS_FILE = fileURLToPath(import.meta.url);

function splitNamePort(key: string): { name: string; port: number } {
  const match = /^([a-z0-9.-]+):(\d+)$/i.exec(key);
  if (!match) throw new Error(`expected "name:port", got ${JSON.stringify(key)}`);
  return { name: match[1]!.toLowerCase(), port: Number(match[2]) };
}

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

function forwardServer(connectTo: () => Socket): Server {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connectTo();
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    }
    pipeBoth(client, upstream);
  });
  // close() waits for open connections (e.g. a client's keep-alive pool): cut them instead.
  server.on('close', () => open.forEach((socket) => socket.destroy()));
  const close = server.close.bind(server);
  server.close = (callback) => {
    const result = close(callback);
    open.forEach((socket) => socket.destroy());
    return result;
  };
  return server;
}

const listen = (server: Server, where: { port: number; host: string } | { path: string }): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => {
      server.off('error', reject);
      resolve();
    });
  });

const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** Lays out the temp dirs, the DNS map and the forwarders that link the namespace with the host. */
function prepare(options: ProxyOptions, mode: SandboxSpec['mode']) {
  if (!options.nginxRoot) requireNginx();
  requireUnshare();
  if (mode === 'serve') requireIptables();
  const root = mkdtempSync(join(tmpdir(), 'swz-ngx-'));
  const etc = join(root, 'etc-nginx');
  const run = join(root, 'run');
  const sockets = join(root, 's');
  for (const dir of [etc, run, join(run, 'lock'), sockets]) mkdirSync(dir, { recursive: true });
  copyFileSync(join(options.nginxRoot ?? '/', 'etc/nginx/mime.types'), join(etc, 'mime.types'));
  writeFileSync(join(etc, 'nginx.conf'), options.nginxConf);
  const mounted: [string, string][] = [['/etc/nginx/', etc], ['/run/', run]];
  for (const [path, content] of Object.entries(options.files ?? {})) {
    const [prefix, base] = mounted.find(([prefix]) => path.startsWith(prefix)) ?? [];
    if (prefix === undefined || base === undefined) throw new Error(`startProxy: ${path} is not under /etc/nginx/ or /run/`);
    const file = join(base, path.slice(prefix.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o600 });
  }

  const dns: Record<string, string> = {};
  const hostsLines = ['127.0.0.1 localhost'];
  const inbound: SandboxSpec['inbound'] = [];
  const outsideServers: Server[] = [];
  const addressOf = new Map<string, string>();
  const assign = (name: string, block: number): string => {
    const existing = addressOf.get(name);
    if (existing) return existing;
    const index = addressOf.size;
    const ip = `127.${block}.${Math.floor(index / 250)}.${(index % 250) + 1}`;
    addressOf.set(name, ip);
    return ip;
  };
  const outsideListens: Promise<void>[] = [];
  /** ip:port inside the namespace reaches `target` on the host, through a unix socket served here. */
  const link = (target: Target, ip: string, port: number) => {
    const socket = join(sockets, `in-${inbound.length}.sock`);
    inbound.push({ ip, port, socket });
    const server = forwardServer(() => createConnection(target));
    outsideServers.push(server);
    outsideListens.push(listen(server, { path: socket }));
  };
  for (const [key, target] of Object.entries(options.services ?? {})) {
    const { name, port } = splitNamePort(key);
    if (target === null) continue;
    const ip = assign(name, 10);
    dns[name] = ip;
    link(target, ip, port);
  }
  for (const [key, target] of Object.entries(options.hosts ?? {})) {
    const { name, port } = splitNamePort(key);
    const ip = assign(name, 20);
    if (!hostsLines.some((line) => line.endsWith(` ${name}`))) hostsLines.push(`${ip} ${name}`);
    link(target, ip, port);
  }
  writeFileSync(join(root, 'hosts'), `${hostsLines.join('\n')}\n`);
  const outbound = (options.ports ?? [80, 443]).map((port) => ({ port, socket: join(sockets, `out-${port}.sock`) }));
  const inRoot = (path: string) => (options.nginxRoot ? join(options.nginxRoot, path) : path);
  const spec: SandboxSpec = {
    mode,
    ...(options.nginxRoot ? { nginxRoot: options.nginxRoot } : {}),
    logFile: join(root, 'nginx.log'),
    mounts: [
      [etc, inRoot('/etc/nginx')],
      [run, inRoot('/run')],
      [join(root, 'hosts'), inRoot('/etc/hosts')],
      // /dev/stdout is a link into /proc/self/fd.
      ...(options.nginxRoot ? (['/dev', '/proc'].map((path) => [path, inRoot(path)]) as [string, string][]) : []),
    ],
    dns,
    inbound,
    outbound,
  };
  const specPath = join(root, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  return { root, specPath, logFile: spec.logFile, outbound, outsideServers, outsideListens };
}

function spawnSandbox(specPath: string): ChildProcess {
  return spawn('unshare', ['--net', '--mount', '--fork', '--kill-child=SIGTERM', process.execPath, '--import', 'tsx', THIS_FILE, '--sandbox', specPath], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/** `nginx -t` on the exact text, with the same mounts, hosts and DNS as startProxy. */
export async function checkNginxConf(options: ProxyOptions): Promise<{ ok: boolean; output: string }> {
  const prepared = prepare(options, 'test');
  try {
    await Promise.all(prepared.outsideListens);
    const child = spawnSandbox(prepared.specPath);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin?.end();
    const code = await exited(child);
    if (existsSync(prepared.logFile)) output += readFileSync(prepared.logFile, 'utf8');
    return { ok: code === 0, output };
  } finally {
    await Promise.all(prepared.outsideServers.map(closeServer));
    rmSync(prepared.root, { recursive: true, force: true });
  }
}

/** Starts nginx on the exact text; resolves once every port accepts connections. */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const prepared = prepare(options, 'serve');
  await Promise.all(prepared.outsideListens);
  const child = spawnSandbox(prepared.specPath);
  let sandboxLog = '';
  child.stderr?.on('data', (chunk: Buffer) => (sandboxLog += chunk.toString()));
  let finalLog: string | undefined;
  const readLog = () => finalLog ?? (existsSync(prepared.logFile) ? readFileSync(prepared.logFile, 'utf8') : '') + sandboxLog;
  const cleanup = async () => {
    child.stdin?.end();
    await exited(child);
    await Promise.all(prepared.outsideServers.map(closeServer));
    finalLog = readLog();
    rmSync(prepared.root, { recursive: true, force: true });
  };
  let sandboxPid = 0;
  const ready = await new Promise<boolean>((resolve) => {
    let stdout = '';
    const timer = setTimeout(() => resolve(false), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /READY (\d+)\n/.exec(stdout);
      if (match) {
        sandboxPid = Number(match[1]);
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    await cleanup();
    throw new Error(`nginx did not start:\n${readLog()}`);
  }
  const ports = new Map<number, number>();
  const exposed: Server[] = [];
  for (const { port, socket } of prepared.outbound) {
    const server = forwardServer(() => createConnection({ path: socket }));
    await listen(server, { host: '127.0.0.1', port: 0 });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    ports.set(port, address.port);
    exposed.push(server);
  }
  return {
    httpPort: ports.get(80) ?? 0,
    httpsPort: ports.get(443) ?? 0,
    ports,
    log: readLog,
    exec: (argv) => runArgv('nsenter', ['--target', String(sandboxPid), '--net', '--mount', ...argv]),
    stop: async () => {
      await Promise.all(exposed.map(closeServer));
      await cleanup();
    },
  };
}

/**
 * Where test/peers/install.sh unpacks a newer nginx from Debian's packages (unstable; 1.30 when
 * written), for the `upstream-resolve` rendering that this machine's nginx 1.22 cannot run.
 */
const NEWER_NGINX_ROOT = '/opt/swarm-wiz-test/nginx-unstable';

/** The root filesystem of the newer nginx and its version; fails clearly when it is not installed. */
export function newerNginxRoot(): { root: string; version: string } {
  requireTool('a newer nginx (>= 1.27.3) unpacked by test/peers/install.sh', ['chroot', NEWER_NGINX_ROOT, '/usr/sbin/nginx', '-v'], 'running the upstream-resolve rendering');
  const output = spawnSync('chroot', [NEWER_NGINX_ROOT, '/usr/sbin/nginx', '-v'], { encoding: 'utf8' });
  const version = /nginx\/(\d+\.\d+\.\d+)/.exec(output.stderr)?.[1];
  if (!version) throw new Error(`cannot read the version of ${NEWER_NGINX_ROOT}/usr/sbin/nginx: ${output.stderr}`);
  return { root: NEWER_NGINX_ROOT, version };
}

/** A self-signed certificate for the given names, made with openssl (for tests and placeholders in tests). */
export function throwawayCertificate(names: readonly string[]): { certPem: string; keyPem: string } {
  requireOpenssl();
  const dir = mkdtempSync(join(tmpdir(), 'swz-cert-'));
  try {
    const san = names.map((name) => `DNS:${name}`).join(',');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${names[0] ?? 'localhost'}`, '-addext', `subjectAltName=${san}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'pipe' });
    return { certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- inside the namespace -------------------------------------------------------------------

/** A DNS answer like Docker's embedded DNS: A records for known names, NXDOMAIN otherwise. */
export function answerDnsQuery(query: Buffer, names: Readonly<Record<string, string>>): Buffer | undefined {
  if (query.length < 17) return undefined;
  let offset = 12;
  const labels: string[] = [];
  while (offset < query.length) {
    const length = query[offset]!;
    if (length === 0) break;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('latin1'));
    offset += 1 + length;
  }
  const questionEnd = offset + 5;
  if (questionEnd > query.length) return undefined;
  const type = query.readUInt16BE(offset + 1);
  const ip = names[labels.join('.').toLowerCase()];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  const recursionDesired = query[2]! & 0x01;
  header.writeUInt16BE(0x8000 | 0x0400 | (recursionDesired << 8) | 0x0080 | (ip === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  let answer = Buffer.alloc(0);
  if (ip !== undefined && type === 1) {
    answer = Buffer.alloc(16);
    answer.writeUInt16BE(0xc00c, 0);
    answer.writeUInt16BE(1, 2);
    answer.writeUInt16BE(1, 4);
    answer.writeUInt32BE(5, 6);
    answer.writeUInt16BE(4, 10);
    ip.split('.').forEach((octet, i) => answer.writeUInt8(Number(octet), 12 + i));
    header.writeUInt16BE(1, 6);
  }
  return Buffer.concat([header, query.subarray(12, questionEnd), answer]);
}

function nginxCommand(spec: SandboxSpec, args: string[]): [string, string[]] {
  return spec.nginxRoot ? ['chroot', [spec.nginxRoot, '/usr/sbin/nginx', ...args]] : ['nginx', args];
}

async function runSandbox(specPath: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as SandboxSpec;
  for (const [source, target] of spec.mounts) execFileSync('mount', ['--bind', source, target]);
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const logFd = openSync(spec.logFile, 'a');
  if (spec.mode === 'test') {
    const result = spawnSync(...nginxCommand(spec, ['-t', '-c', '/etc/nginx/nginx.conf']), { stdio: ['ignore', logFd, logFd] });
    process.exit(result.status ?? 1);
  }
  const dns = createSocket('udp4');
  dns.on('message', (message, remote) => {
    const reply = answerDnsQuery(message, spec.dns);
    if (reply) dns.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => dns.bind(53, '127.0.0.11', resolve));
  // The forwarders listen on ephemeral ports and iptables sends ip:port there, so a backend on port 80
  // or 443 does not collide with nginx's own `listen 80` (0.0.0.0) in this namespace.
  for (const { ip, port, socket } of spec.inbound) {
    const server = forwardServer(() => createConnection({ path: socket }));
    await listen(server, { host: '127.0.0.1', port: 0 });
    const local = server.address();
    if (local === null || typeof local === 'string') throw new Error('no TCP address');
    execFileSync('iptables', ['-t', 'nat', '-A', 'OUTPUT', '-d', ip, '-p', 'tcp', '--dport', String(port), '-j', 'DNAT', '--to-destination', `127.0.0.1:${local.port}`]);
  }
  const nginx = spawn(...nginxCommand(spec, ['-c', '/etc/nginx/nginx.conf', '-g', 'daemon off;']), { stdio: ['ignore', logFd, logFd] });
  const stopNginx = () => {
    if (nginx.exitCode === null) nginx.kill('SIGTERM');
  };
  nginx.once('exit', (code) => {
    process.stderr.write(`nginx exited (${code})\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => {
    stopNginx();
    process.exit(0);
  });
  process.stdin.on('end', () => {
    nginx.removeAllListeners('exit');
    nginx.once('exit', () => process.exit(0));
    stopNginx();
  });
  process.stdin.resume();
  for (const { port, socket } of spec.outbound) {
    for (let attempt = 0; ; attempt++) {
      if (await canConnect(port)) break;
      if (attempt > 200) throw new Error(`nginx is not listening on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await listen(forwardServer(() => createConnection({ host: '127.0.0.1', port })), { path: socket });
  }
  process.stdout.write(`READY ${process.pid}\n`);
}

if (process.argv[2] === '--sandbox' && process.argv[1] === THIS_FILE) {
  runSandbox(process.argv[3] ?? '').catch((error: unknown) => {
    process.stderr.write(`sandbox failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
