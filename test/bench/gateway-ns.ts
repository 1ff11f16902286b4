/**
 * The gateway benchmark's inside: runs in a network + mount namespace of its own (`unshare --net
 * --mount`, started by gateway.bench.ts), so every listener and every client is on a loopback that
 * only this run sees. It starts:
 * - the backend: nginx returning a fixed body on 127.0.0.1:5000, keep-alive, with stub_status on
 *   127.0.0.1:5001 (its `accepts` counter = backend connections opened);
 * - a DNS server on 127.0.0.11:53 like Docker's embedded one (service-a → 127.0.0.1);
 * - the generated nginx.conf, exact text, on the newer nginx (chroot), port 443 (upstream-resolve) and
 *   the per-request rendering on a second copy (its ports moved to 8080/8444);
 * - a hand-written minimal nginx upstream config with keep-alive (the ceiling) on 7443;
 * - Caddy (Debian's) as TLS reverse proxy to the same backend on 9443;
 * and measures with wrk (HTTPS keep-alive) in alternating rounds, then TLS handshakes per second.
 * Prints one JSON line (GatewayResults) on stdout.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type TLSSocket, type ConnectionOptions } from 'node:tls';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { answerDnsQuery } from '../peers/nginx.js';
import { canConnect } from '../peers/tools.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface GatewaySpec {
  work: string;
  nginxRoot: string;
  /** `name → nginx.conf text`, run on the newer nginx; each listens where its text says. */
  proxies: { name: string; conf: string; port: number }[];
  caddyPort: number;
  certPem: string;
  keyPem: string;
  rounds: number;
  seconds: number;
  connections: number;
  handshakeSeconds: number;
}

export interface WrkRun {
  variant: string;
  round: number;
  requestsPerSecond: number;
  requests: number;
  errors: number;
  non2xx: number;
  backendConnections: number;
}

export interface HandshakeRun {
  variant: string;
  round: number;
  /** full / resumed: Node.js clients, handshake only; close: wrk with `Connection: close` (a full handshake and one request per connection). */
  kind: 'full' | 'resumed' | 'close';
  perSecond: number;
  resumedShare: number;
}

export interface GatewayResults {
  wrk: WrkRun[];
  handshakes: HandshakeRun[];
}

const DOMAIN = 'a.com';



async function waitForPort(port: number, what: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`${what} is not listening on ${port}`);
}

function runCapture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')}: exit ${code}\n${err}${out}`))));
  });
}

/** The backend's stub_status `accepts` (connections it accepted so far, this query's own included). */
async function backendAccepts(): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port: 5001 }, () => socket.end('GET /stub HTTP/1.0\r\n\r\n'));
    let body = '';
    socket.on('data', (chunk: Buffer) => (body += chunk.toString()));
    socket.on('end', () => resolve(body));
    socket.on('error', reject);
  });
  const match = /server accepts handled requests\s+(\d+)/.exec(text);
  if (!match) throw new Error(`no stub_status in ${JSON.stringify(text)}`);
  return Number(match[1]);
}

function parseWrk(output: string): { requestsPerSecond: number; requests: number; errors: number; non2xx: number } {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (!rps || !total) throw new Error(`cannot read wrk's output:\n${output}`);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  return { requestsPerSecond: Number(rps[1]), requests: Number(total[1]), errors, non2xx };
}

/** Full or resumed TLS handshakes per second from `concurrency` loops for `seconds` (TLS 1.3, no request). */
async function handshakes(port: number, kind: 'full' | 'resumed', seconds: number, concurrency = 8): Promise<{ perSecond: number; resumedShare: number }> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  let resumed = 0;
  const once = (session: Buffer | undefined): Promise<Buffer | undefined> =>
    new Promise((resolve, reject) => {
      const options: ConnectionOptions = { host: '127.0.0.1', port, servername: DOMAIN, rejectUnauthorized: false, minVersion: 'TLSv1.3', ...(session ? { session } : {}) };
      const socket: TLSSocket = connect(options);
      let ticket: Buffer | undefined;
      let handshaken = false;
      const finish = () => {
        socket.destroy();
        resolve(ticket);
      };
      socket.once('secureConnect', () => {
        handshaken = true;
        done += 1;
        if (socket.isSessionReused()) resumed += 1;
        if (kind === 'full') finish();
        else setTimeout(finish, 200); // the ticket comes right after the handshake; a bound, never a wait in practice
      });
      socket.on('session', (data: Buffer) => {
        ticket = data;
        if (handshaken) finish();
      });
      socket.on('error', (error) => (handshaken ? finish() : reject(error)));
    });
  const loops = Array.from({ length: concurrency }, async () => {
    let session: Buffer | undefined;
    if (kind === 'resumed') session = await once(undefined); // a first full handshake, for the ticket
    const startedAt = performance.now();
    const before = done;
    while (performance.now() < until) {
      const ticket = await once(kind === 'resumed' ? session : undefined);
      if (ticket) session = ticket;
    }
    return { startedAt, count: done - before };
  });
  const startedAt = performance.now();
  const before = done;
  const beforeResumed = resumed;
  await Promise.all(loops);
  const elapsed = (performance.now() - startedAt) / 1000;
  const count = done - before;
  return { perSecond: count / elapsed, resumedShare: count === 0 ? 0 : (resumed - beforeResumed) / count };
}

async function main(specPath: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as GatewaySpec;
  const { work, nginxRoot } = spec;
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  try {
    execFileSync('ip', ['link', 'set', 'lo', 'up']);
    // This namespace's own TCP settings: the handshake runs open some 10 000 connections a round, and
    // without reuse of TIME_WAIT ports the loopback runs out of ephemeral ports and the numbers sag.
    writeFileSync('/proc/sys/net/ipv4/tcp_tw_reuse', '1');
    writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', '10000 65000');
    // In the chroot: /tmp is this run's folder (configs, pid files, the certificate); /run for pid files.
    mkdirSync(join(work, 'run'), { recursive: true });
    for (const [source, target] of [[work, join(nginxRoot, 'tmp')], [join(work, 'run'), join(nginxRoot, 'run')], ['/dev', join(nginxRoot, 'dev')], ['/proc', join(nginxRoot, 'proc')]] as const) {
      execFileSync('mount', ['--bind', source, target]);
    }
    // wrk resolves a.com through this namespace's /etc/hosts.
    // nginx (in the chroot) finds the support server as compose's extra_hosts would give it.
    writeFileSync(join(work, 'hosts'), `127.0.0.1 localhost ${DOMAIN} swarm-wiz-support\n`);
    execFileSync('mount', ['--bind', join(work, 'hosts'), '/etc/hosts']);
    execFileSync('mount', ['--bind', join(work, 'hosts'), join(nginxRoot, 'etc/hosts')]);
    writeFileSync(join(work, 'a.crt'), spec.certPem);
    writeFileSync(join(work, 'a.key'), spec.keyPem, { mode: 0o600 });

    const dns = createSocket('udp4');
    dns.on('message', (message, remote) => {
      const reply = answerDnsQuery(message, { 'service-a': '127.0.0.1' });
      if (reply) dns.send(reply, remote.port, remote.address);
    });
    await new Promise<void>((resolve) => dns.bind(53, '127.0.0.11', resolve));

    const startNginx = async (name: string, conf: string, port: number) => {
      const file = name.replace(/[^a-z0-9]+/gi, '-');
      writeFileSync(join(work, `${file}.conf`), conf);
      const child = spawn('chroot', [nginxRoot, '/usr/sbin/nginx', '-c', `/tmp/${file}.conf`, '-g', `daemon off; pid /tmp/${file}.pid;`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
      children.push(child);
      await waitForPort(port, `nginx ${name}: ${err}`, child).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${err}`);
      });
    };
    await startNginx(
      'backend',
      [
        'worker_processes 1;',
        'error_log stderr warn;',
        'events { worker_connections 4096; }',
        'http {',
        '    access_log off;',
        '    keepalive_timeout 65s;',
        '    server { listen 127.0.0.1:5000 reuseport; location / { default_type text/plain; return 200 "hello from the backend\\n"; } }',
        '    server { listen 127.0.0.1:5001; location = /stub { stub_status; } }',
        '}',
        '',
      ].join('\n'),
      5000,
    );
    for (const proxy of spec.proxies) await startNginx(proxy.name, proxy.conf, proxy.port);

    writeFileSync(
      join(work, 'Caddyfile'),
      [
        '{',
        '    admin off',
        '    auto_https off',
        '    skip_install_trust',
        `    storage file_system ${join(work, 'caddy-data')}`,
        '}',
        `https://${DOMAIN}:${spec.caddyPort} {`,
        `    tls ${join(work, 'a.crt')} ${join(work, 'a.key')}`,
        '    reverse_proxy 127.0.0.1:5000',
        '}',
        '',
      ].join('\n'),
    );
    const caddy = spawn('caddy', ['run', '--config', join(work, 'Caddyfile'), '--adapter', 'caddyfile'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: work, XDG_DATA_HOME: join(work, 'xdg-data'), XDG_CONFIG_HOME: join(work, 'xdg-config') },
    });
    let caddyErr = '';
    caddy.stderr?.on('data', (chunk: Buffer) => (caddyErr = (caddyErr + chunk.toString()).slice(-4000)));
    children.push(caddy);
    await waitForPort(spec.caddyPort, 'caddy', caddy).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${caddyErr}`);
    });

    const variants: { variant: string; url: string; port: number }[] = [
      { variant: 'backend direct (HTTP)', url: 'http://127.0.0.1:5000/', port: 5000 },
      { variant: 'caddy', url: `https://${DOMAIN}:${spec.caddyPort}/`, port: spec.caddyPort },
      ...spec.proxies.map((proxy) => ({ variant: proxy.name, url: `https://${DOMAIN}:${proxy.port}/`, port: proxy.port })),
    ];
    // A first short run through every variant: caches, TLS session caches, DNS, upstream pools warm.
    for (const v of variants) await runCapture('wrk', ['-t2', `-c${spec.connections}`, '-d1s', v.url]);
    const wrk: WrkRun[] = [];
    for (let round = 0; round < spec.rounds; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const before = await backendAccepts();
        const output = await runCapture('wrk', ['-t2', `-c${spec.connections}`, `-d${spec.seconds}s`, '--latency', v.url]);
        const after = await backendAccepts();
        const parsed = parseWrk(output);
        process.stderr.write(`round ${round} ${v.variant}: ${parsed.requestsPerSecond.toFixed(0)} req/s, ${after - before - 1} backend connections\n`);
        wrk.push({ variant: v.variant, round, ...parsed, backendConnections: after - before - 1 });
      }
    }
    const handshakeRuns: HandshakeRun[] = [];
    const tlsVariants = variants.filter((v) => v.variant === 'caddy' || v.variant === 'generated (upstream-resolve)');
    for (let round = 0; round < spec.rounds; round++) {
      for (const kind of ['full', 'resumed'] as const) {
        const order = round % 2 === 0 ? tlsVariants : [...tlsVariants].reverse();
        for (const v of order) {
          const result = await handshakes(v.port, kind, spec.handshakeSeconds);
          process.stderr.write(`round ${round} ${v.variant} ${kind} handshakes: ${result.perSecond.toFixed(0)}/s (resumed ${(result.resumedShare * 100).toFixed(0)}%)\n`);
          handshakeRuns.push({ variant: v.variant, round, kind, ...result });
        }
      }
    }
    for (let round = 0; round < spec.rounds; round++) {
      const order = round % 2 === 0 ? tlsVariants : [...tlsVariants].reverse();
      for (const v of order) {
        const parsed = parseWrk(await runCapture('wrk', ['-t2', '-c16', `-d${spec.handshakeSeconds}s`, '-H', 'Connection: close', v.url]));
        process.stderr.write(`round ${round} ${v.variant} wrk Connection: close: ${parsed.requestsPerSecond.toFixed(0)} req/s\n`);
        handshakeRuns.push({ variant: v.variant, round, kind: 'close', perSecond: parsed.requestsPerSecond, resumedShare: 0 });
      }
    }
    process.stdout.write(`${JSON.stringify({ wrk, handshakes: handshakeRuns } satisfies GatewayResults)}\n`);
    dns.close();
  } finally {
    stopAll();
    await sleep(300);
  }
}

if (process.argv[2] === '--inside') {
  main(process.argv[3] ?? '').then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`gateway bench failed inside its namespace: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
