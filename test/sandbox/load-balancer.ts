/**
 * A stand-in for DigitalOcean's load balancer (topology global-lb): TCP passthrough from each listen
 * port to the same-numbered (or given) port of the targets, round-robin over the healthy targets,
 * with DigitalOcean's health check: HTTP/1.1 GET `path` on `port`, healthy on a status of 200–399 (a
 * `tcp` check: a completed handshake), a target removed after `unhealthy_threshold` failed checks
 * in a row and added back after `healthy_threshold` passed ones. Like a droplet just added to a real
 * load balancer, a target starts DOWN until it has passed `healthy_threshold` checks. Intervals and
 * timeouts may be fractional (seconds) so tests can scale the timing down.
 *
 * Two halves in one file, the script needing nothing but Node's own modules:
 * - the process, run INSIDE a network namespace:
 *   `nsenter --net=/run/netns/<ns> -- node --import tsx test/sandbox/load-balancer.ts <config.json>`
 *   (from the repo root). It re-reads the config on SIGHUP and when the file changes (polled; write it
 *   atomically), writes its state to `statusFile` (default: `status.json` next to the config), logs
 *   state changes to stdout, and exits on SIGTERM/SIGINT or when its parent goes away.
 * - the controller's helper, {@link startLoadBalancer}:
 *
 * ```ts
 * const lb = await startLoadBalancer({ netns: 'swz-ab12-lb', dir, config: {
 *   listen: [{ port: 80, targetPort: 80 }, { port: 443, targetPort: 443 }],
 *   targets: [{ address: '10.110.0.21' }, { address: '10.110.0.22' }],
 *   healthCheck: { protocol: 'http', port: 80, path: '/healthz', check_interval_seconds: 0.2,
 *     response_timeout_seconds: 0.5, unhealthy_threshold: 2, healthy_threshold: 2 },
 * } });
 * await lb.waitFor((s) => s.targets.every((t) => t.healthy), 'both targets healthy');
 * await lb.update({ ...config, targets: [{ address: '10.110.0.21' }] }); // resolves once applied
 * lb.status().targets;  // [{ address, healthy, connections, active, failedConnections, … }]
 * await lb.stop();      // the process is gone (SIGTERM, then SIGKILL)
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The fields of a DigitalOcean load balancer's `health_check`, as the API names them. */
export interface HealthCheck {
  protocol: 'http' | 'tcp';
  port: number;
  /** For `http`; DigitalOcean's default is `/`. */
  path?: string;
  check_interval_seconds: number;
  response_timeout_seconds: number;
  unhealthy_threshold: number;
  healthy_threshold: number;
}

export interface LoadBalancerConfig {
  /** TCP passthrough rules: connections to `port` go to `targetPort` of a healthy target. */
  listen: { port: number; targetPort: number }[];
  targets: { address: string }[];
  healthCheck: HealthCheck;
  /** Where to listen inside the namespace; default 0.0.0.0. */
  listenAddress?: string;
  /** Default: `status.json` next to the config file. */
  statusFile?: string;
}

export interface TargetStatus {
  address: string;
  healthy: boolean;
  /** Checks passed / failed in a row (one of them is 0). */
  passes: number;
  failures: number;
  /** Connections handed to this target so far (new connections only ever go to a healthy one). */
  connections: number;
  /** Connections to it still open. */
  active: number;
  /** Connections to it that could not be made (refused, reset before connecting). */
  failedConnections: number;
  /** The last check's outcome, e.g. `200` or `ECONNREFUSED`. */
  lastCheck?: string;
}

export interface LoadBalancerStatus {
  pid: number;
  /** sha256 of the config text in force. */
  configHash: string;
  listening: { port: number; targetPort: number }[];
  targets: TargetStatus[];
  /** Connections closed at once because no target was healthy. */
  rejected: number;
  updatedAt: string;
}

/** DigitalOcean's defaults for the fields a body leaves out. */
export const DEFAULT_HEALTH_CHECK: HealthCheck = {
  protocol: 'http',
  port: 80,
  path: '/',
  check_interval_seconds: 10,
  response_timeout_seconds: 5,
  unhealthy_threshold: 5,
  healthy_threshold: 3,
};

/** DigitalOcean: "The success criteria for HTTP and HTTPS health checks is a status code response in the range of 200 to 399." */
export const passesHttpCheck = (statusCode: number): boolean => statusCode >= 200 && statusCode <= 399;

export interface Health {
  healthy: boolean;
  passes: number;
  failures: number;
}

/** A new target is DOWN until it passes `healthy_threshold` checks. */
export const NEW_TARGET: Health = { healthy: false, passes: 0, failures: 0 };

/** One check's outcome applied to a target's health (pure). */
export function observe(health: Health, passed: boolean, check: Pick<HealthCheck, 'healthy_threshold' | 'unhealthy_threshold'>): Health {
  const passes = passed ? health.passes + 1 : 0;
  const failures = passed ? 0 : health.failures + 1;
  if (!health.healthy && passes >= check.healthy_threshold) return { healthy: true, passes, failures };
  if (health.healthy && failures >= check.unhealthy_threshold) return { healthy: false, passes, failures };
  return { healthy: health.healthy, passes, failures };
}

/** The next target after `last` (round-robin over `healthy`, in config order); undefined when none is healthy. */
export function nextTarget(healthy: readonly string[], cursor: number): { address: string; cursor: number } | undefined {
  if (healthy.length === 0) return undefined;
  const index = ((cursor % healthy.length) + healthy.length) % healthy.length;
  return { address: healthy[index]!, cursor: index + 1 };
}

/** Checks and completes a config as the process reads it; throws naming the bad field. */
export function parseLoadBalancerConfig(text: string): LoadBalancerConfig {
  const raw = JSON.parse(text) as Partial<LoadBalancerConfig>;
  const fail = (path: string, reason: string): never => {
    throw new Error(`load balancer config: ${path}: ${reason}`);
  };
  const isPort = (value: unknown) => Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536;
  if (!Array.isArray(raw.listen)) fail('listen', 'must be a list of {port, targetPort}');
  raw.listen!.forEach((rule, i) => {
    if (!isPort(rule.port)) fail(`listen/${i}/port`, 'must be a port number');
    if (!isPort(rule.targetPort)) fail(`listen/${i}/targetPort`, 'must be a port number');
  });
  if (!Array.isArray(raw.targets)) fail('targets', 'must be a list of {address}');
  raw.targets!.forEach((target, i) => {
    if (typeof target.address !== 'string' || target.address === '') fail(`targets/${i}/address`, 'must be an address');
  });
  const healthCheck: HealthCheck = { ...DEFAULT_HEALTH_CHECK, ...raw.healthCheck };
  if (healthCheck.protocol !== 'http' && healthCheck.protocol !== 'tcp') fail('healthCheck/protocol', 'must be http or tcp');
  if (!isPort(healthCheck.port)) fail('healthCheck/port', 'must be a port number');
  for (const key of ['check_interval_seconds', 'response_timeout_seconds', 'unhealthy_threshold', 'healthy_threshold'] as const) {
    if (typeof healthCheck[key] !== 'number' || !(healthCheck[key] > 0)) fail(`healthCheck/${key}`, 'must be a positive number');
  }
  return { listen: raw.listen!, targets: raw.targets!, healthCheck, ...(raw.listenAddress ? { listenAddress: raw.listenAddress } : {}), ...(raw.statusFile ? { statusFile: raw.statusFile } : {}) };
}

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

// ---------------------------------------------------------------------------------------------------
// The process.

interface Target extends Health {
  address: string;
  connections: number;
  active: number;
  failedConnections: number;
  lastCheck?: string;
  timer?: NodeJS.Timeout;
}

/** One health check: resolves to [passed, what happened]. */
function checkOnce(address: string, check: HealthCheck): Promise<[boolean, string]> {
  const timeoutMs = check.response_timeout_seconds * 1000;
  return new Promise((done) => {
    let settled = false;
    const settle = (passed: boolean, what: string) => {
      if (!settled) {
        settled = true;
        done([passed, what]);
      }
    };
    if (check.protocol === 'tcp') {
      const socket = connect({ host: address, port: check.port });
      socket.setTimeout(timeoutMs, () => {
        socket.destroy();
        settle(false, 'timeout');
      });
      socket.once('connect', () => {
        socket.destroy();
        settle(true, 'connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => settle(false, error.code ?? error.message));
      return;
    }
    const req = request({ host: address, port: check.port, path: check.path ?? '/', method: 'GET', agent: false, headers: { 'User-Agent': 'swz-sandbox-lb-health-check', Connection: 'close' } }, (res) => {
      res.resume();
      settle(passesHttpCheck(res.statusCode ?? 0), String(res.statusCode));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      settle(false, 'timeout');
    });
    req.once('error', (error: NodeJS.ErrnoException) => settle(false, error.code ?? error.message));
    req.end();
  });
}

function runLoadBalancer(configPath: string): void {
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} lb: ${line}\n`);
  let config: LoadBalancerConfig | undefined;
  let configText = '';
  let configStamp = '';
  let statusFile = join(dirname(configPath), 'status.json');
  const targets = new Map<string, Target>();
  const servers = new Map<number, { server: Server; targetPort: number; listening: boolean }>();
  let cursor = 0;
  let rejected = 0;
  let flushTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  const status = (): LoadBalancerStatus => ({
    pid: process.pid,
    configHash: hashOf(configText),
    listening: [...servers].filter(([, s]) => s.listening).map(([port, s]) => ({ port, targetPort: s.targetPort })),
    targets: [...targets.values()].map((t) => ({
      address: t.address,
      healthy: t.healthy,
      passes: t.passes,
      failures: t.failures,
      connections: t.connections,
      active: t.active,
      failedConnections: t.failedConnections,
      ...(t.lastCheck !== undefined ? { lastCheck: t.lastCheck } : {}),
    })),
    rejected,
    updatedAt: new Date().toISOString(),
  });
  const flush = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (!stopping) writeAtomically(statusFile, `${JSON.stringify(status(), null, 2)}\n`);
  };
  /** Counters change with every connection: written at most every 50 ms. Health changes: at once. */
  const flushSoon = () => {
    flushTimer ??= setTimeout(flush, 50);
  };

  const scheduleCheck = (target: Target, delayMs: number) => {
    target.timer = setTimeout(async () => {
      const check = config!.healthCheck;
      const [passed, what] = await checkOnce(target.address, check);
      if (targets.get(target.address) !== target || stopping) return; // removed meanwhile
      const before = target.healthy;
      Object.assign(target, observe(target, passed, check));
      target.lastCheck = what;
      if (before !== target.healthy) {
        log(`target ${target.address} is ${target.healthy ? 'healthy' : 'UNHEALTHY'} (${target.healthy ? `${target.passes} checks passed` : `${target.failures} checks failed, last: ${what}`})`);
        flush();
      } else flushSoon();
      scheduleCheck(target, check.check_interval_seconds * 1000);
    }, delayMs);
  };

  const forward = (client: Socket, targetPort: number) => {
    const healthy = [...targets.values()].filter((t) => t.healthy).map((t) => t.address);
    const next = nextTarget(healthy, cursor);
    if (!next) {
      rejected += 1;
      client.destroy();
      flushSoon();
      return;
    }
    cursor = next.cursor;
    const target = targets.get(next.address)!;
    target.connections += 1;
    target.active += 1;
    flushSoon();
    let connected = false;
    let closed = false;
    // Half-open on both sides: a FIN travels through like any other byte.
    const upstream = connect({ host: target.address, port: targetPort, allowHalfOpen: true });
    const close = () => {
      if (closed) return;
      closed = true;
      target.active -= 1;
      if (!connected) target.failedConnections += 1;
      client.destroy();
      upstream.destroy();
      flushSoon();
    };
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
    });
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  };

  const apply = (reason: string) => {
    let text: string;
    let next: LoadBalancerConfig;
    try {
      text = readFileSync(configPath, 'utf8');
      if (text === configText) return;
      next = parseLoadBalancerConfig(text);
    } catch (error) {
      log(`config not applied (${reason}): ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const checkChanged = JSON.stringify(config?.healthCheck) !== JSON.stringify(next.healthCheck);
    config = next;
    configText = text;
    statusFile = next.statusFile ?? join(dirname(configPath), 'status.json');
    log(`config applied (${reason}): listen ${next.listen.map((l) => `${l.port}→${l.targetPort}`).join(', ')}; targets ${next.targets.map((t) => t.address).join(', ') || 'none'}`);
    // Targets: new ones start DOWN; removed ones stop being checked (their open connections go on).
    const wanted = new Set(next.targets.map((t) => t.address));
    for (const [address, target] of targets) {
      if (!wanted.has(address)) {
        clearTimeout(target.timer);
        targets.delete(address);
        log(`target ${address} removed`);
      }
    }
    for (const { address } of next.targets) {
      const existing = targets.get(address);
      if (!existing) {
        const target: Target = { address, ...NEW_TARGET, connections: 0, active: 0, failedConnections: 0 };
        targets.set(address, target);
        log(`target ${address} added (down until ${next.healthCheck.healthy_threshold} checks pass)`);
        scheduleCheck(target, 0);
      } else if (checkChanged) {
        clearTimeout(existing.timer);
        scheduleCheck(existing, 0);
      }
    }
    // Listeners.
    const ports = new Map(next.listen.map((l) => [l.port, l.targetPort]));
    for (const [port, entry] of servers) {
      if (!ports.has(port)) {
        entry.server.close();
        servers.delete(port);
        log(`stopped listening on ${port}`);
      }
    }
    for (const [port, targetPort] of ports) {
      const existing = servers.get(port);
      if (existing) {
        existing.targetPort = targetPort;
        continue;
      }
      const entry = { server: createServer({ allowHalfOpen: true }, (client) => forward(client, entry.targetPort)), targetPort, listening: false };
      servers.set(port, entry);
      entry.server.on('error', (error) => log(`listening on ${port} failed: ${error.message}`));
      entry.server.listen({ port, host: next.listenAddress ?? '0.0.0.0' }, () => {
        entry.listening = true;
        log(`listening on ${next.listenAddress ?? '0.0.0.0'}:${port} → targets:${entry.targetPort}`);
        flush();
      });
    }
    flush();
  };

  const stampOf = (): string => {
    try {
      const stat = statSync(configPath);
      return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      return '';
    }
  };
  const poll = setInterval(() => {
    const stamp = stampOf();
    if (stamp !== configStamp) {
      configStamp = stamp;
      apply('file changed');
    }
  }, 100);
  // Its controller went away (nsenter exec'd this process, so the parent is the controller): no orphan.
  const parent = process.ppid;
  const watchParent = setInterval(() => {
    if (process.ppid !== parent) shutdown('parent gone');
  }, 500);

  const shutdown = (why: string) => {
    if (stopping) return;
    log(`stopping (${why})`);
    flush();
    stopping = true;
    clearInterval(poll);
    clearInterval(watchParent);
    for (const target of targets.values()) clearTimeout(target.timer);
    for (const { server } of servers.values()) server.close();
    process.exit(0);
  };
  process.on('SIGHUP', () => apply('SIGHUP'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  configStamp = stampOf();
  apply('start');
  if (!config) {
    log('no valid config: exiting');
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------------
// The controller's helper.

const SCRIPT = fileURLToPath(import.meta.url);
const REPO_ROOT = resolve(dirname(SCRIPT), '..', '..');

export interface LoadBalancerHandle {
  pid: number;
  configPath: string;
  statusPath: string;
  /** Rewrites the config atomically, signals the process and resolves once it reports the new config in force. */
  update(config: LoadBalancerConfig): Promise<void>;
  /** The state last written by the process. */
  status(): LoadBalancerStatus;
  /** Resolves with the first status `done` accepts (polled every 50 ms), or throws after `seconds`. */
  waitFor(done: (status: LoadBalancerStatus) => boolean, what: string, seconds?: number): Promise<LoadBalancerStatus>;
  /** Its stdout and stderr so far. */
  log(): string;
  /** Ends the process (SIGTERM, SIGKILL after 3 s); resolves once it is gone. */
  stop(): Promise<void>;
}


/**
 * Starts the load balancer process inside network namespace `netns` (`/run/netns/<netns>`), its
 * config, status and log files in `dir`; resolves once it listens on every port of the config.
 */
export async function startLoadBalancer(options: { netns: string; dir: string; config: LoadBalancerConfig }): Promise<LoadBalancerHandle> {
  mkdirSync(options.dir, { recursive: true });
  const configPath = join(options.dir, 'load-balancer.json');
  const statusPath = join(options.dir, 'status.json');
  const logPath = join(options.dir, 'load-balancer.log');
  const withStatus = (config: LoadBalancerConfig) => `${JSON.stringify({ ...config, statusFile: statusPath }, null, 2)}\n`;
  const readLog = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const readStatus = (): LoadBalancerStatus | undefined => {
    try {
      return JSON.parse(readFileSync(statusPath, 'utf8')) as LoadBalancerStatus;
    } catch {
      return undefined;
    }
  };
  const first = withStatus(options.config);
  parseLoadBalancerConfig(first);
  writeAtomically(configPath, first);
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn('nsenter', [`--net=/run/netns/${options.netns}`, '--', process.execPath, '--import', 'tsx', SCRIPT, configPath], {
    cwd: REPO_ROOT,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const running = () => child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    if (!running()) return;
    child.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])) return;
    child.kill('SIGKILL');
    await exited;
  };

  const waitFor = async (done: (status: LoadBalancerStatus) => boolean, what: string, seconds = 15): Promise<LoadBalancerStatus> => {
    const until = Date.now() + seconds * 1000;
    for (;;) {
      const status = readStatus();
      if (status && done(status)) return status;
      if (!running()) throw new Error(`the load balancer exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}:\n${readLog()}`);
      if (Date.now() > until) throw new Error(`the load balancer did not reach "${what}" within ${seconds} s; status: ${JSON.stringify(status)}\n${readLog().slice(-3000)}`);
      await sleep(50);
    }
  };

  const waitApplied = async (text: string) => {
    const hash = hashOf(text);
    const config = parseLoadBalancerConfig(text);
    const ports = new Set(config.listen.map((l) => l.port));
    await waitFor((s) => s.configHash === hash && s.listening.length === ports.size && s.listening.every((l) => ports.has(l.port)), 'the config in force and listening');
  };

  try {
    await waitApplied(first);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: child.pid!,
    configPath,
    statusPath,
    update: async (config) => {
      const text = withStatus(config);
      parseLoadBalancerConfig(text);
      writeAtomically(configPath, text);
      child.kill('SIGHUP');
      await waitApplied(text);
    },
    status: () => {
      const status = readStatus();
      if (!status) throw new Error(`the load balancer has written no status yet:\n${readLog()}`);
      return status;
    },
    waitFor,
    log: readLog,
    stop,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const configPath = process.argv[2];
  if (!configPath) {
    process.stderr.write('usage: node --import tsx test/sandbox/load-balancer.ts <config.json>\n');
    process.exit(2);
  }
  runLoadBalancer(resolve(configPath));
}
