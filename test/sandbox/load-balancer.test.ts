import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireTool, runArgv } from '../peers/tools.js';
import { nextTarget, NEW_TARGET, observe, parseLoadBalancerConfig, passesHttpCheck, startLoadBalancer, type LoadBalancerConfig, type LoadBalancerHandle } from './load-balancer.js';

describe('load balancer logic (pure)', () => {
  const check = { healthy_threshold: 2, unhealthy_threshold: 3 };

  it('starts a target down and brings it up after healthy_threshold passes in a row', () => {
    let health = observe(NEW_TARGET, true, check);
    expect(health.healthy).toBe(false);
    health = observe(observe(health, false, check), true, check);
    expect(health).toEqual({ healthy: false, passes: 1, failures: 0 });
    expect(observe(health, true, check).healthy).toBe(true);
  });

  it('drops a healthy target only after unhealthy_threshold failures in a row', () => {
    const up = { healthy: true, passes: 5, failures: 0 };
    const twice = observe(observe(up, false, check), false, check);
    expect(twice.healthy).toBe(true);
    expect(observe(observe(twice, true, check), false, check).healthy).toBe(true);
    expect(observe(twice, false, check)).toEqual({ healthy: false, passes: 0, failures: 3 });
  });

  it('passes HTTP checks on 200–399 as DigitalOcean documents', () => {
    expect([200, 204, 301, 399].filter((status) => !passesHttpCheck(status))).toEqual([]);
    expect([199, 400, 404, 500, 503].filter((status) => passesHttpCheck(status))).toEqual([]);
  });

  it('goes round-robin over the healthy targets and has none when none is healthy', () => {
    const picks: string[] = [];
    let cursor = 0;
    for (let i = 0; i < 5; i++) {
      const next = nextTarget(['a', 'b'], cursor)!;
      picks.push(next.address);
      cursor = next.cursor;
    }
    expect(picks).toEqual(['a', 'b', 'a', 'b', 'a']);
    expect(nextTarget(['a'], cursor)?.address).toBe('a');
    expect(nextTarget([], 0)).toBeUndefined();
  });

  it('names the bad field of a config and fills in DigitalOcean defaults', () => {
    expect(() => parseLoadBalancerConfig(JSON.stringify({ listen: [{ port: 80 }], targets: [] }))).toThrow('listen/0/targetPort');
    expect(() => parseLoadBalancerConfig(JSON.stringify({ listen: [], targets: [], healthCheck: { check_interval_seconds: 0 } }))).toThrow('healthCheck/check_interval_seconds');
    const config = parseLoadBalancerConfig(JSON.stringify({ listen: [{ port: 80, targetPort: 80 }], targets: [{ address: '10.0.0.1' }], healthCheck: { path: '/healthz' } }));
    expect(config.healthCheck).toMatchObject({ protocol: 'http', port: 80, path: '/healthz', check_interval_seconds: 10, unhealthy_threshold: 5, healthy_threshold: 3 });
  });
});

/**
 * The load balancer process in its own network namespace, in front of two busybox httpd "droplets",
 * with a client namespace: all on one bridge in a switch namespace (198.51.100.0/24, TEST-NET-2),
 * no default route anywhere. Everything is removed in afterAll.
 */
describe('load balancer process in network namespaces', () => {
  const id = randomBytes(3).toString('hex');
  const prefix = `swz-lb-${id}`;
  const ns = { sw: `${prefix}-sw`, lb: `${prefix}-lb`, cl: `${prefix}-cl`, t1: `${prefix}-t1`, t2: `${prefix}-t2` };
  const address = { lb: '198.51.100.2', cl: '198.51.100.3', t1: '198.51.100.11', t2: '198.51.100.12' };
  const made: string[] = [];
  const servers = new Map<'t1' | 't2', ChildProcess>();
  let root: string;
  let lb: LoadBalancerHandle | undefined;

  const config = (targets: ('t1' | 't2')[], extra: Partial<LoadBalancerConfig> = {}): LoadBalancerConfig => ({
    listen: [
      { port: 80, targetPort: 80 },
      { port: 443, targetPort: 443 },
    ],
    targets: targets.map((t) => ({ address: address[t] })),
    healthCheck: { protocol: 'http', port: 80, path: '/healthz', check_interval_seconds: 0.2, response_timeout_seconds: 1, unhealthy_threshold: 3, healthy_threshold: 2 },
    ...extra,
  });
  const balancer = () => {
    if (!lb) throw new Error('the load balancer did not start');
    return lb;
  };
  const ip = async (args: string[]) => {
    const result = await runArgv('ip', args);
    if (result.code !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
  };
  const siteDir = (t: 't1' | 't2') => join(root, 'www', t);
  const startServer = async (t: 't1' | 't2') => {
    const child = spawn('nsenter', [`--net=/run/netns/${ns[t]}`, '--', 'busybox', 'httpd', '-f', '-p', '80', '-h', siteDir(t)], { stdio: 'ignore' });
    servers.set(t, child);
    for (let i = 0; ; i++) {
      const probe = await runArgv('nsenter', [`--net=/run/netns/${ns[t]}`, '--', 'busybox', 'wget', '-q', '-O-', `http://${address[t]}/healthz`]);
      if (probe.code === 0) return;
      if (i > 100 || child.exitCode !== null) throw new Error(`busybox httpd in ${ns[t]} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stopServer = async (t: 't1' | 't2') => {
    const child = servers.get(t);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };

  interface Answer {
    /** When the request started and when its answer (or error) came, ms since the epoch. */
    t: number;
    end: number;
    ok: boolean;
    body?: string;
    error?: string;
  }
  /** Requests from the client namespace, one new connection each, in one node process. */
  const CLIENT = `
    const http = require('http');
    const { url, count, durationMs, gapMs } = JSON.parse(process.env.LB_CLIENT);
    const one = () => new Promise((done) => {
      const t = Date.now();
      const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => done({ t, end: Date.now(), ok: res.statusCode === 200, body: body.trim() }));
        res.on('error', (e) => done({ t, end: Date.now(), ok: false, error: e.code || e.message }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => done({ t, end: Date.now(), ok: false, error: e.code || e.message }));
    });
    (async () => {
      const results = [];
      const until = Date.now() + (durationMs || 0);
      for (let i = 0; count ? i < count : Date.now() < until; i++) {
        results.push(await one());
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
      process.stdout.write(JSON.stringify(results));
    })();`;
  const requests = async (options: { count?: number; durationMs?: number; gapMs?: number; port?: number }): Promise<Answer[]> => {
    const run = await runArgv('nsenter', [`--net=/run/netns/${ns.cl}`, '--', process.execPath, '-e', CLIENT], {
      env: { PATH: process.env.PATH, LB_CLIENT: JSON.stringify({ url: `http://${address.lb}:${options.port ?? 80}/`, ...options }) },
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (run.code !== 0) throw new Error(`the client failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as Answer[];
  };
  const bodies = (answers: Answer[]) => answers.map((a) => (a.ok ? a.body : `error ${a.error ?? ''}`));
  const bothHealthy = (s: { targets: { healthy: boolean }[] }) => s.targets.length === 2 && s.targets.every((t) => t.healthy);
  const target = (t: 't1' | 't2') => balancer().status().targets.find((x) => x.address === address[t]);

  beforeAll(async () => {
    requireTool('ip (iproute2)', ['ip', 'netns', 'list'], 'the load balancer test namespaces');
    requireTool('nsenter (util-linux, run as root)', ['nsenter', '--version'], 'running the load balancer in a network namespace');
    requireTool('busybox with httpd (busybox-static)', ['sh', '-c', 'busybox --list | grep -qx httpd'], "the load balancer test's targets");
    root = mkdtempSync(join(tmpdir(), `${prefix}-`));
    for (const t of ['t1', 't2'] as const) {
      mkdirSync(siteDir(t), { recursive: true });
      writeFileSync(join(siteDir(t), 'index.html'), `${t}\n`);
      writeFileSync(join(siteDir(t), 'healthz'), 'ok\n');
    }
    for (const name of Object.values(ns)) {
      await ip(['netns', 'add', name]);
      made.push(name);
      await ip(['-n', name, 'link', 'set', 'lo', 'up']);
    }
    await ip(['-n', ns.sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', ns.sw, 'link', 'set', 'br0', 'up']);
    for (const node of ['lb', 'cl', 't1', 't2'] as const) {
      await ip(['-n', ns.sw, 'link', 'add', `p-${node}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns[node]]);
      await ip(['-n', ns.sw, 'link', 'set', `p-${node}`, 'master', 'br0']);
      await ip(['-n', ns.sw, 'link', 'set', `p-${node}`, 'up']);
      await ip(['-n', ns[node], 'addr', 'add', `${address[node]}/24`, 'dev', 'eth0']);
      await ip(['-n', ns[node], 'link', 'set', 'eth0', 'up']);
    }
    await startServer('t1');
    await startServer('t2');
    lb = await startLoadBalancer({ netns: ns.lb, dir: join(root, 'lb'), config: config(['t1', 't2']) });
  });

  // A test that failed half-way must not fail the ones after it: both targets serve and pass checks again.
  beforeEach(async () => {
    for (const t of ['t1', 't2'] as const) {
      writeFileSync(join(siteDir(t), 'healthz'), 'ok\n');
      const child = servers.get(t);
      if (!child || child.exitCode !== null || child.signalCode !== null) await startServer(t);
    }
  });

  afterAll(async () => {
    await lb?.stop();
    for (const t of ['t1', 't2'] as const) await stopServer(t);
    // Anything still in a namespace of ours (nothing, if the above worked), then the namespaces.
    for (const name of made) {
      const pids = (await runArgv('ip', ['netns', 'pids', name])).stdout.split('\n').filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    for (const name of [...made].reverse()) await runArgv('ip', ['netns', 'delete', name]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('marks both targets healthy after healthy_threshold checks and goes round-robin', async () => {
    await balancer().waitFor(bothHealthy, 'both targets healthy');
    const answers = bodies(await requests({ count: 6 }));
    expect(answers.filter((a) => a !== 't1' && a !== 't2')).toEqual([]);
    for (let i = 1; i < answers.length; i++) expect(answers[i]).not.toBe(answers[i - 1]);
    expect(answers.filter((a) => a === 't1')).toHaveLength(3);
  });

  it('drops a dead target after unhealthy_threshold failed checks: no failure after the drop, and restores it', async () => {
    const before = target('t1')!;
    const loop = requests({ durationMs: 4000, gapMs: 10 });
    // Kill t1 only once the request loop runs (its node process may take a while to start on a busy machine).
    await balancer().waitFor((s) => (s.targets.find((t) => t.address === address.t1)?.connections ?? 0) >= before.connections + 3, 'the request loop reaching t1', 20);
    const killingAt = Date.now();
    await stopServer('t1');
    const killedAt = Date.now();
    await balancer().waitFor((s) => s.targets.some((t) => t.address === address.t1 && !t.healthy), 't1 unhealthy', 10);
    const droppedAt = Date.now();
    const answers = await loop;
    const failuresBefore = answers.filter((a) => !a.ok && a.t < droppedAt);
    const after = answers.filter((a) => a.t > droppedAt);
    // Connections to the dead target failed until the drop (the check interval is 0.2 s, the threshold 3)…
    expect(failuresBefore.length, `failures between the kill and the drop (${droppedAt - killedAt} ms)`).toBeGreaterThan(0);
    // Every request answered before the kill began succeeded (one in flight during the kill may fail).
    expect(answers.filter((a) => a.end < killingAt && !a.ok)).toEqual([]);
    // …and none after it: every new connection went to t2.
    expect(after.length).toBeGreaterThan(5);
    expect(bodies(after).filter((b) => b !== 't2')).toEqual([]);
    expect(target('t1')!.failedConnections).toBeGreaterThan(before.failedConnections);
    const t1Connections = target('t1')!.connections;
    expect(bodies(await requests({ count: 4 }))).toEqual(['t2', 't2', 't2', 't2']);
    expect(target('t1')!.connections).toBe(t1Connections);

    await startServer('t1');
    await balancer().waitFor(bothHealthy, 't1 healthy again', 10);
    expect(new Set(bodies(await requests({ count: 4 })))).toEqual(new Set(['t1', 't2']));
  });

  it('drops a target whose health check answers 404 while it still serves, without a single failed request', async () => {
    await balancer().waitFor(bothHealthy, 'both targets healthy');
    rmSync(join(siteDir('t2'), 'healthz'));
    const loop = requests({ durationMs: 2000, gapMs: 10 });
    const status = await balancer().waitFor((s) => s.targets.some((t) => t.address === address.t2 && !t.healthy), 't2 unhealthy', 10);
    expect(status.targets.find((t) => t.address === address.t2)?.lastCheck).toBe('404');
    const droppedAt = Date.now();
    const answers = await loop;
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(bodies(answers.filter((a) => a.t > droppedAt)).filter((b) => b !== 't1')).toEqual([]);
    writeFileSync(join(siteDir('t2'), 'healthz'), 'ok\n');
    await balancer().waitFor(bothHealthy, 't2 healthy again', 10);
  });

  it('applies a rewritten config: fewer targets, another port, and no target at all', async () => {
    await balancer().update(config(['t1'], { listen: [{ port: 80, targetPort: 80 }, { port: 8080, targetPort: 80 }] }));
    expect(balancer().status().targets.map((t) => t.address)).toEqual([address.t1]);
    expect(balancer().status().listening.map((l) => l.port).sort()).toEqual([80, 8080]);
    expect(bodies(await requests({ count: 3 }))).toEqual(['t1', 't1', 't1']);
    expect(bodies(await requests({ count: 2, port: 8080 }))).toEqual(['t1', 't1']);
    const refused = await requests({ count: 1, port: 443 });
    expect(refused[0]?.ok).toBe(false);

    await balancer().update(config([]));
    const rejectedBefore = balancer().status().rejected;
    const none = await requests({ count: 2 });
    expect(none.filter((a) => a.ok)).toEqual([]);
    await balancer().waitFor((s) => s.rejected === rejectedBefore + 2, 'two rejected connections', 5);

    await balancer().update(config(['t1', 't2']));
    await balancer().waitFor(bothHealthy, 'both targets healthy');
  });

  it('notices a config file rewritten without a signal (polling its mtime)', async () => {
    const path = balancer().configPath;
    const current = JSON.parse(readFileSync(path, 'utf8')) as LoadBalancerConfig;
    writeFileSync(`${path}.new`, JSON.stringify({ ...current, targets: [{ address: address.t2 }] }));
    renameSync(`${path}.new`, path);
    await balancer().waitFor((s) => s.targets.length === 1 && s.targets[0]!.address === address.t2, 'only t2 configured', 5);
    await balancer().update(config(['t1', 't2']));
    await balancer().waitFor(bothHealthy, 'both targets healthy');
  });

  it('exits by itself when its controller dies (no orphan)', async () => {
    const module = join(import.meta.dirname, 'load-balancer.ts');
    const controllerScript = `import(${JSON.stringify(module)}).then(async ({ startLoadBalancer }) => {
      const lb = await startLoadBalancer(JSON.parse(process.env.LB_OPTIONS));
      process.stdout.write(lb.pid + '\\n');
      setInterval(() => {}, 1000);
    });`;
    const options = { netns: ns.lb, dir: join(root, 'orphan'), config: config(['t1'], { listen: [{ port: 9000, targetPort: 80 }] }) };
    const controller = spawn(process.execPath, ['--import', 'tsx', '-e', controllerScript], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, LB_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      controller.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      controller.once('exit', (code) => reject(new Error(`the controller exited (${code}) before starting the load balancer`)));
    });
    expect(() => process.kill(pid, 0)).not.toThrow();
    controller.kill('SIGKILL');
    const gone = async () => {
      for (let i = 0; i < 60; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          return true;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    };
    expect(await gone(), 'the load balancer outlived its controller by 3 s').toBe(true);
  });

  it('stops without leaving a process in its namespace', async () => {
    const pid = balancer().pid;
    await balancer().stop();
    expect((await runArgv('ip', ['netns', 'pids', ns.lb])).stdout.trim()).toBe('');
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
