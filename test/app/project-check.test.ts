import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { sshKeyPath } from '../../src/adapters/ssh-key.js';
import type { ConnectNodes } from '../../src/app/manager.js';
import { allFineLine, projectCheck } from '../../src/app/project-check.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import type { Command } from '../../src/commands/command.js';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { emptyState, saveState, type State } from '../../src/state/index.js';
import type { CommandResult, RunOptions, Shell, TargetNode } from '../../src/targets/index.js';

/**
 * `status --check`'s facts in-process: a project on droplets whose manager and support droplet answer
 * through a fake connection (the docker commands a manager runs, `true` on the support droplet).
 */
const DAY = 86_400_000;
const config: Config = parseConfig({
  ...SEED_EXAMPLE,
  topology: 'manager',
  sites: [{ domain: 'fine.test', service: { name: 'web', image: 'x/web:1', port: 5000 }, private: [] }],
});
const droplet = (id: number, name: string, role: 'manager' | 'worker' | 'support', last: number) => ({ id, name, role, region: 'fra1', size: 's-1vcpu-2gb', tags: [], status: 'active' as const, publicIpv4: `203.0.113.${last}`, privateIpv4: `10.10.0.${last}` });
const DROPLETS = [droplet(1, 'demo-manager-1', 'manager', 1), droplet(2, 'demo-worker-1', 'worker', 2), droplet(3, 'demo-support', 'support', 3)];

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A project with a fresh certificate for fine.test, its state as `change` leaves it, and an SSH key file. */
async function project(change: (state: State) => void = () => undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-project-check-'));
  dirs.push(dir);
  const state = emptyState(config.project);
  change(state);
  await saveState(dir, state);
  await mkdir(dirname(sshKeyPath(dir)), { recursive: true });
  await writeFile(sshKeyPath(dir), 'not a key: the fake connection never reads it\n', { mode: 0o600 });
  const pair = await generateCertificate({ names: ['fine.test'], notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 89 * DAY) });
  await new CertificateStore(dir).save('fine.test', pair.keyPem, pair.certPem, { names: ['fine.test'] });
  return dir;
}
const onDroplets = (state: State) => {
  state.target = 'digitalocean';
  state.cloud.droplets = DROPLETS;
};

interface Swarm {
  workerState: string;
  webRunning: number;
  /** The support droplet's answer to `true`: its exit code, or a thrown error. */
  support: number | Error;
  /** The manager never answers (until the caller's signal aborts). */
  hang?: boolean;
}

const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
const inspect = (id: string, hostname: string, role: string, state: string) => ({ ID: id, Spec: { Role: role, Availability: 'active', Labels: {} }, Description: { Hostname: hostname, Engine: { EngineVersion: '27.0.0' } }, Status: { State: state, Addr: '10.10.0.1' }, ...(role === 'manager' ? { ManagerStatus: { Leader: true } } : {}) });

/** The docker output a manager of `swarm` gives. */
function managerAnswer(swarm: Swarm, command: Command): CommandResult {
  const words = command.argv.slice(0, 3).join(' ');
  if (words === 'docker node ls') return ok(['{"ID":"m1"}', '{"ID":"w1"}'].join('\n'));
  if (words === 'docker node inspect') return ok(JSON.stringify([inspect('m1', 'demo-manager-1', 'manager', 'ready'), inspect('w1', 'demo-worker-1', 'worker', swarm.workerState)]));
  if (words === 'docker stack services') {
    return ok([{ Name: 'demo_proxy', Mode: 'replicated', Replicas: '1/1', Image: 'nginx' }, { Name: 'demo_web', Mode: 'replicated', Replicas: `${swarm.webRunning}/2`, Image: 'x/web:1' }].map((row) => JSON.stringify(row)).join('\n'));
  }
  if (words === 'docker service ps') return ok(swarm.webRunning < 2 ? JSON.stringify({ Name: 'demo_web.2', Node: 'demo-worker-1', DesiredState: 'Shutdown', CurrentState: 'Failed 1 minute ago', Error: '"task: non-zero exit (1)"' }) : '');
  throw new Error(`unexpected command ${command.argv.join(' ')}`);
}

/** A connection that records what it was asked to reach, and answers as `swarm` says. */
function fakeConnect(swarm: Swarm): { connect: ConnectNodes; asked: { nodes: TargetNode[]; local?: string }[]; disposed: () => number } {
  const asked: { nodes: TargetNode[]; local?: string }[] = [];
  let disposed = 0;
  const connect: ConnectNodes = async (options) => {
    asked.push({ nodes: [...options.nodes], ...(options.local ? { local: options.local } : {}) });
    const shellOf = (name: string): Shell => {
      const answer = async (command: Command, runOptions: RunOptions = {}): Promise<CommandResult> => {
        if (name === 'demo-support') {
          if (swarm.support instanceof Error) throw swarm.support;
          return { exitCode: swarm.support, stdout: '', stderr: swarm.support === 0 ? '' : 'ssh: connect to host 203.0.113.3 port 22: Connection timed out' };
        }
        if (swarm.hang) {
          return new Promise((_, reject) => runOptions.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
        }
        return managerAnswer(swarm, command);
      };
      return { run: answer, probe: answer };
    };
    return { target: { kind: 'digitalocean', nodes: () => options.nodes, shell: shellOf, close: async () => undefined }, dispose: async () => void disposed++ };
  };
  return { connect, asked, disposed: () => disposed };
}

const HEALTHY: Swarm = { workerState: 'ready', webRunning: 2, support: 0 };
const keys = (result: { problems: { key: string; severity: string }[] }) => result.problems.map((problem) => `${problem.severity} ${problem.key}`);

describe('projectCheck: certificates, cluster and support server', () => {
  it('from the operator: the manager and the support droplet at their public addresses; all fine', async () => {
    const dir = await project(onDroplets);
    const fake = fakeConnect(HEALTHY);
    const result = await projectCheck({ config, dir, probe: false, connect: fake.connect });
    expect(result).toEqual({ exitCode: 0, problems: [], checked: ['certificates', 'nodes', 'services', 'support server'] });
    expect(allFineLine(result.checked)).toBe('all fine: certificates, nodes, services, support server');
    expect(fake.asked.map(({ nodes, local }) => ({ nodes: nodes.map((node) => `${node.name}@${node.publicIp}`), local }))).toEqual(
      expect.arrayContaining([
        { nodes: ['demo-manager-1@203.0.113.1'], local: undefined },
        { nodes: ['demo-support@203.0.113.3'], local: undefined },
      ]),
    );
    expect(fake.asked).toHaveLength(2);
    expect(fake.disposed()).toBe(2);
  });

  it('on the support server (runsOn): the manager over the VPC, the support droplet itself not asked', async () => {
    const dir = await project((state) => {
      onDroplets(state);
      state.runsOn = 'demo-support';
    });
    const fake = fakeConnect(HEALTHY);
    const result = await projectCheck({ config, dir, probe: false, connect: fake.connect });
    expect(result).toEqual({ exitCode: 0, problems: [], checked: ['certificates', 'nodes', 'services'] });
    expect(fake.asked).toEqual([{ nodes: [expect.objectContaining({ name: 'demo-manager-1', publicIp: '10.10.0.1' })], local: 'demo-support' }]);
  });

  it('a worker down, a service short of replicas, the support droplet silent, the last renewal failed: each a problem, critical first', async () => {
    const dir = await project(onDroplets);
    await new CertificateStore(dir).writeRenewal('fine.test', { lastAttemptAt: '2026-11-30T03:43:00.000Z', lastError: 'the CA could not validate http-01 for fine.test' });
    const fake = fakeConnect({ workerState: 'down', webRunning: 1, support: 255 });
    const result = await projectCheck({ config, dir, probe: false, connect: fake.connect });
    expect(result.exitCode).toBe(2);
    expect(keys(result)).toEqual(['critical support:demo-support:unreachable', 'warning cert:fine.test:renewal-failed', 'warning node:demo-worker-1:down', 'warning service:web:below-desired']);
    expect(result.problems.map((problem) => problem.line)).toEqual([
      'support server demo-support: no answer over SSH (ssh: connect to host 203.0.113.3 port 22: Connection timed out); renewals run there (if its droplet was deleted, swarm-wiz apply makes it again)',
      'fine.test: the last renewal failed at 2026-11-30 03:43 UTC: the CA could not validate http-01 for fine.test',
      'node demo-worker-1 (worker): down, availability active',
      'service web: 1/2 running; last task error: task: non-zero exit (1)',
    ]);
  });

  it('a manager that does not answer within the limit, a support droplet whose SSH fails: both critical, within the limits', async () => {
    const dir = await project(onDroplets);
    const fake = fakeConnect({ ...HEALTHY, hang: true, support: new Error('ssh: Could not resolve hostname') });
    const started = Date.now();
    const result = await projectCheck({ config, dir, probe: false, connect: fake.connect, clusterTimeoutMs: 50, supportTimeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.problems.map(({ key, line }) => ({ key, line }))).toEqual([
      { key: 'cluster:unreachable', line: 'cluster: no answer from a manager (demo-manager-1): no answer within 0.05 s' },
      { key: 'support:demo-support:unreachable', line: 'support server demo-support: no answer over SSH (ssh: Could not resolve hostname); renewals run there (if its droplet was deleted, swarm-wiz apply makes it again)' },
    ]);
  });

  it('a project never applied: only its certificates, nothing reached', async () => {
    const dir = await project();
    const fake = fakeConnect(HEALTHY);
    expect(await projectCheck({ config, dir, probe: false, connect: fake.connect })).toEqual({ exitCode: 0, problems: [], checked: ['certificates'] });
    expect(fake.asked).toEqual([]);
  });

  it('a state.json that cannot be read: critical on its own (the certificates still checked), nothing reached', async () => {
    const dir = await project(onDroplets);
    await writeFile(join(dir, '.swarm-wiz', 'state.json'), '{"project": "de');
    const fake = fakeConnect(HEALTHY);
    const result = await projectCheck({ config, dir, probe: false, connect: fake.connect });
    expect(result.exitCode).toBe(2);
    expect(result.problems).toEqual([{ key: 'state:unreadable', kind: 'state-unreadable', severity: 'critical', line: expect.stringMatching(/state\.json/) }]);
    expect(result.checked).toEqual(['certificates']);
    expect(fake.asked).toEqual([]);
  });
});
