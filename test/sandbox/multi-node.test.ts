import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_NODE_LABEL } from '../../recipes/names.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { loadState } from '../../src/state/index.js';
import { generateKey } from '../peers/sshd.js';
import { eventually, runArgv } from '../peers/tools.js';
import { BACKEND_PORT, BACKENDS, cgroupDirs, processesInCgroups, PROXY_IMAGE, startCluster, type Cluster, type ClusterNode } from './cluster.js';
import type { DeployInOperatorArgs, DeployInOperatorFailure, DeployInOperatorResult } from './deploy-in-operator.js';

/**
 * swarm-wiz's deploy over SSH to four "droplets" made of network namespaces on this machine (see
 * cluster.ts): swarm init on manager-1, three workers joining over the VPC, the proxy labels, and the
 * proxy placed on the labelled workers (topology per-domain), each worker answering HTTPS for every
 * site. The deploy runs in the operator namespace, the only place (besides the nodes) that reaches them.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(import.meta.dirname, 'deploy-in-operator.ts');
const SUPPORT_PORT = 8403;

let cluster: Cluster | undefined;
let dir: string;
let began: number;
let timings: Record<string, number> = {};

const config = {
  project: 'demo',
  region: 'fra1',
  size: 's-1vcpu-2gb',
  managers: 1,
  workers: 3,
  topology: 'per-domain',
  sites: BACKENDS.map((backend) => ({ domain: backend.domain, aliases: [], service: { name: backend.name, image: backend.image, port: BACKEND_PORT }, private: [] })),
  certificates: { email: 'ops@a.test', ca: 'staging', challenge: 'http-01', delivery: 'files' },
  proxy: { image: PROXY_IMAGE },
};

function c(): Cluster {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
}

async function runDeploy(timing?: DeployInOperatorArgs['timing']): Promise<{ code: number; stdout: string; stderr: string }> {
  const args: DeployInOperatorArgs = {
    dir,
    config,
    nodes: c().nodes.map((node) => ({ name: node.name, role: node.role, publicIp: node.publicIp, privateIp: node.privateIp })),
    supportNode: 'manager-1',
    supportAddress: c().manager.privateIp,
    supportPort: SUPPORT_PORT,
    entryPoints: c().workers.map((worker) => ({ address: worker.publicIp, port: 80 })),
    ...(timing ? { timing } : {}),
  };
  const argsFile = join(dir, 'deploy-args.json');
  await writeFile(argsFile, JSON.stringify(args));
  return c().inOperator([process.execPath, '--import', 'tsx', SCRIPT, argsFile], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeoutMs: 180_000,
  });
}

async function deploy(): Promise<DeployInOperatorResult> {
  const run = await runDeploy();
  if (run.code !== 0) {
    throw new Error(`the deploy in the operator namespace failed (exit ${run.code}):\n${run.stderr}\n${run.stdout}\n${c().logs('manager-1').slice(-3000)}`);
  }
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as DeployInOperatorResult;
}

/** Drops VXLAN (4789/udp) in and out of one node's network namespace, as a cloud or host firewall would. */
async function vxlan(node: ClusterNode, action: '-A' | '-D'): Promise<void> {
  for (const chain of [['INPUT', '--dport'], ['OUTPUT', '--dport']] as const) {
    const result = await runArgv('ip', ['netns', 'exec', node.netns, 'iptables', action, chain[0], '-p', 'udp', chain[1], '4789', '-j', 'DROP']);
    if (result.code !== 0) throw new Error(`iptables ${action} ${chain[0]} in ${node.name} failed: ${result.stderr}`);
  }
}

const curl = (domain: string, address: string) =>
  c().inOperator(['curl', '-sS', '-k', '--max-time', '5', '--resolve', `${domain}:443:${address}`, `https://${domain}/`], { timeoutMs: 10_000 });


beforeAll(async () => {
  began = Date.now();
  cluster = await startCluster({ workers: 3 });
  timings.start = Date.now() - began;
  dir = await mkdtemp(join(tmpdir(), 'swz-sandbox-project-'));
  await mkdir(join(dir, '.swarm-wiz', 'ssh'), { recursive: true, mode: 0o700 });
  cluster.authorize(await generateKey(join(dir, '.swarm-wiz', 'ssh', 'id_ed25519')));
  // No CA is reachable from the namespaces: a valid (self-signed, 30 days) certificate per site, so nothing is due.
  const certs = new CertificateStore(dir);
  for (const backend of BACKENDS) {
    const now = Date.now();
    const pair = await generateCertificate({ names: [backend.domain], notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * 86_400_000) });
    await certs.save(backend.domain, pair.keyPem, pair.certPem, { names: [backend.domain] });
  }
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('a four-node swarm of network namespaces, deployed over SSH (topology per-domain)', () => {
  it('with 4789/udp dropped on one worker, the deploy bootstraps the swarm, then stops at the network check naming that worker: nothing is deployed', async () => {
    const blocked = c().workers[1]!;
    await vxlan(blocked, '-A');
    let run: Awaited<ReturnType<typeof runDeploy>>;
    const started = Date.now();
    try {
      run = await runDeploy({ preflightTimeoutMs: 10_000 });
    } finally {
      await vxlan(blocked, '-D');
    }
    timings.blockedDeploy = Date.now() - started;
    expect(run.code, run.stdout).toBe(1);
    const failure = JSON.parse(run.stdout.trim().split('\n').pop()!) as DeployInOperatorFailure;
    const ops = failure.planned.map((step) => `${step.op} ${step.id}`);
    expect(ops).toContain('create swarm:init:manager-1');
    for (const worker of c().workers) {
      expect(ops).toContain(`create swarm:join:${worker.name}`);
      expect(ops).toContain(`create swarm:label:${worker.name}`);
    }
    expect(ops).toContain('check preflight:demo');
    // The first line is the message; the hint follows.
    const [message = '', ...hint] = run.stderr.split('\n');
    console.log(`sandbox cluster: the blocked deploy failed after ${timings.blockedDeploy} ms with:\n${run.stderr}`);
    expect(message).toMatch(/overlay network does not carry traffic/);
    expect(message).toMatch(/4789\/udp \(VXLAN\) is blocked/);
    // Every failing pair is between the blocked worker and another node; the message names both.
    const pairs = [...message.matchAll(/from (\S+) to ([^\s,:(]+)/g)].map((match) => [match[1]!, match[2]!]);
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) expect(pair, JSON.stringify(pairs)).toContain(blocked.name);
    expect(pairs.flat().filter((name) => name !== blocked.name).length).toBeGreaterThan(0);
    expect(hint.join('\n')).toMatch(/DigitalOcean cloud firewall/);
    expect(hint.join('\n')).toMatch(/ufw/);

    // Nothing of the project runs, and the check left nothing behind.
    const services = (await c().manager.docker(['service', 'ls', '--format', '{{.Name}}'])).trim().split('\n').filter(Boolean);
    expect(services.filter((name) => name.startsWith('demo_'))).toEqual([]);
    // `docker network rm` returns once the manager accepted the removal; Swarm lists the network until it is released everywhere.
    await eventually('the check\'s overlay network gone', async () => (await c().manager.docker(['network', 'ls', '--format', '{{.Name}}'])).split('\n'), (names) => !names.includes('swarm-wiz-preflight-demo'), 30);
    for (const node of c().nodes) {
      expect((await node.docker(['ps', '-aq', '--filter', 'label=swarm-wiz.preflight=demo'])).trim(), node.name).toBe('');
    }
  }, 240_000);

  it('once VXLAN passes again: the check passes, the stack is deployed and every worker serves every site over HTTPS', async () => {
    const deployStarted = Date.now();
    const first = await deploy();
    timings.deploy = Date.now() - deployStarted;
    expect(first.issued).toEqual([]);
    const ops = first.phases.flatMap((phase) => phase.steps.map((step) => `${step.op} ${step.id}`));
    // The failed run above made the swarm; this one finds it as it is.
    expect(ops).toContain('same swarm:init:manager-1');
    for (const worker of c().workers) {
      expect(ops).toContain(`same swarm:join:${worker.name}`);
      expect(ops).toContain(`same swarm:label:${worker.name}`);
    }
    expect(ops).toContain('check preflight:demo');
    expect(ops).toContain('create stack:demo');
    console.log(`sandbox cluster: the network check took ${first.durations['preflight:demo']} ms`);
    const firstWorker = c().workers[0]!;
    await eventually('the first HTTPS answer', () => curl('a.test', firstWorker.publicIp), (r) => r.stdout.trim() === 'site A', 60);
    timings.firstAnswer = Date.now() - began;
    console.log(`sandbox cluster: start ${timings.start} ms, deploy ${timings.deploy} ms, nothing → first HTTPS answer ${timings.firstAnswer} ms`);

    const nodes = (await c().manager.docker(['node', 'ls', '--format', '{{.Hostname}} {{.Status}}'])).trim().split('\n').sort();
    expect(nodes).toEqual(c().nodes.map((node) => `${node.name} Ready`).sort());
    for (const worker of c().workers) {
      const label = (await c().manager.docker(['node', 'inspect', worker.name, '--format', `{{index .Spec.Labels "${PROXY_NODE_LABEL}"}}`])).trim();
      expect(label, worker.name).toBe('true');
    }
    expect((await c().manager.docker(['node', 'inspect', 'manager-1', '--format', `{{index .Spec.Labels "${PROXY_NODE_LABEL}"}}`])).trim()).not.toBe('true');

    const tasks = await eventually(
      'three running proxy tasks',
      async () => (await c().manager.docker(['service', 'ps', 'demo_proxy', '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}'])).trim().split('\n'),
      (lines) => lines.length === 3 && lines.every((line) => / Running /.test(line)),
      60,
    );
    expect(tasks.map((line) => line.split(' ')[0]).sort()).toEqual(c().workers.map((worker) => worker.name).sort());
    // The containers run in the nodes' cgroups: that is how stop() finds them once dockerd is gone.
    expect(processesInCgroups(c().cgroupPrefix).length).toBeGreaterThan(0);

    for (const worker of c().workers) {
      for (const backend of BACKENDS) {
        const reply = await eventually(`${backend.domain} on ${worker.name}`, () => curl(backend.domain, worker.publicIp), (r) => r.stdout.trim() === backend.answer, 60);
        expect(reply.stdout.trim()).toBe(backend.answer);
      }
    }

    const state = await loadState(dir, 'demo');
    for (const node of c().nodes) expect(state.nodes?.[node.name]?.hostKey, node.name).toBe(node.hostKeyLine);
    expect(state.swarm?.clusterId).toBeTruthy();
  }, 240_000);

  it('a second deploy changes nothing', async () => {
    const started = Date.now();
    const second = await deploy();
    timings.secondDeploy = Date.now() - started;
    // The network check runs on every apply and changes nothing.
    const changed = second.phases.flatMap((phase) => phase.steps).filter((step) => step.op !== 'same' && step.op !== 'check');
    expect(changed).toEqual([]);
    expect(second.phases.flatMap((phase) => phase.steps).map((step) => `${step.op} ${step.id}`)).toContain('check preflight:demo');
    expect(second.issued).toEqual([]);
    expect((await curl('b.test', c().workers[1]!.publicIp)).stdout.trim()).toBe('site B');
  }, 180_000);

  it('per-domain → global-lb: the replicated proxy is removed and created again as a global service (Swarm cannot change the mode in place)', async () => {
    const worker = c().workers[0]!;
    // Ask the first worker for a.test all along, to measure how long HTTPS is down.
    let watching = true;
    const outcomes: { at: number; ok: boolean }[] = [];
    const watch = (async () => {
      while (watching) {
        const reply = await c().inOperator(['curl', '-sS', '-k', '--max-time', '1', '--resolve', `a.test:443:${worker.publicIp}`, 'https://a.test/'], { timeoutMs: 5_000 });
        outcomes.push({ at: Date.now(), ok: reply.stdout.trim() === 'site A' });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    config.topology = 'global-lb';
    let changed: DeployInOperatorResult;
    try {
      changed = await deploy();
      await eventually('a.test on every worker', async () => Promise.all(c().workers.map((w) => curl('a.test', w.publicIp))), (replies) => replies.every((r) => r.stdout.trim() === 'site A'), 60);
    } finally {
      watching = false;
      await watch;
    }
    const stack = changed.phases.flatMap((phase) => phase.steps).find((step) => step.id === 'stack:demo')!;
    expect(stack.op).toBe('update');
    expect(stack.description).toMatch(/^replace service demo_proxy: replicated → global \(Swarm cannot change a service's mode in place/);
    expect((await c().manager.docker(['service', 'inspect', 'demo_proxy', '--format', '{{if .Spec.Mode.Global}}global{{else}}replicated{{end}}'])).trim()).toBe('global');
    // The longest run of failed requests, from the last answer before it to the first answer after it.
    let gap = 0;
    let lastOk: number | undefined;
    let failing = false;
    for (const outcome of outcomes) {
      if (!outcome.ok) failing = true;
      else {
        if (failing && lastOk !== undefined) gap = Math.max(gap, outcome.at - lastOk);
        failing = false;
        lastOk = outcome.at;
      }
    }
    console.log(`sandbox cluster: per-domain → global-lb took ${changed.ms} ms; HTTPS on ${worker.name} was down for ${gap} ms (${outcomes.filter((o) => !o.ok).length} of ${outcomes.length} requests failed)`);
    expect(outcomes.at(-1)?.ok).toBe(true);
  }, 240_000);

  it('stop() leaves no namespace, mount, process or temp dir of the cluster', async () => {
    const { root, namespaces, cgroupPrefix } = c();
    const started = Date.now();
    await c().stop();
    timings.teardown = Date.now() - started;
    console.log(`sandbox cluster: second deploy ${timings.secondDeploy} ms, teardown ${timings.teardown} ms`);
    const listed = (await runArgv('ip', ['netns', 'list'])).stdout;
    for (const ns of namespaces) expect(listed).not.toContain(ns);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(root);
    const pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid);
    const mentioning = pids.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(root);
      } catch {
        return false;
      }
    });
    expect(mentioning).toEqual([]);
    expect((await runArgv('ls', [root])).code).not.toBe(0);
    expect(processesInCgroups(cgroupPrefix)).toEqual([]);
    expect(cgroupDirs(cgroupPrefix)).toEqual([]);
    timings = {};
  }, 120_000);
});
