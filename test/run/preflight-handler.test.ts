import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/commands/index.js';
import type { PreflightStep } from '../../src/plan/index.js';
import { type DeployContext } from '../../src/run/deploy-context.js';
import { preflight } from '../../src/run/preflight-handler.js';
import { StepFailed } from '../../src/run/failure.js';
import type { CommandResult, Shell, Target } from '../../src/targets/index.js';
import { handlerContext } from './deploy-context-fixture.js';

/**
 * The preflight handler on three scripted nodes: what it runs where and in which order, what it
 * reports, and that it always cleans up. The probes' own behaviour is tested for real in
 * test/commands/preflight.test.ts and on the namespace cluster in test/sandbox/multi-node.test.ts.
 */
const NODES = [
  { name: 'manager-1', role: 'manager' as const, addr: '10.110.0.11' },
  { name: 'worker-1', role: 'worker' as const, addr: '10.110.0.21' },
  { name: 'worker-2', role: 'worker' as const, addr: '10.110.0.22' },
];

function fakeCluster(script: { portFails?: Record<string, string>; overlay?: Record<string, string> }) {
  const ran: string[] = [];
  const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
  const shellOf = (name: string): Shell => {
    const node = NODES.find((n) => n.name === name)!;
    const exec = async (command: Command): Promise<CommandResult> => {
      const argv = [...command.argv];
      ran.push(`${name}: ${argv[0] === 'python3' ? `python3 ${argv[3]!.startsWith('/') ? 'overlay' : 'ports'}` : argv.slice(0, 3).join(' ')}`);
      if (argv[0] === 'docker' && argv[1] === 'info') {
        return ok(JSON.stringify({ NodeID: name, NodeAddr: node.addr, LocalNodeState: 'active', ControlAvailable: node.role === 'manager' }));
      }
      if (argv[0] === 'python3' && !argv[3]!.startsWith('/')) {
        return ok(argv.slice(3).map((spec) => JSON.stringify({ probe: spec, result: script.portFails?.[`${name} ${spec}`] ?? 'open' })).join('\n'));
      }
      if (argv[0] === 'python3') {
        return ok(argv.slice(6).map((peer) => JSON.stringify({ peer, result: script.overlay?.[`${name} ${peer}`] ?? 'ok' })).join('\n'));
      }
      return ok();
    };
    return { run: exec, probe: exec };
  };
  const target: Target = { kind: 'digitalocean', nodes: () => NODES.map(({ name, role }) => ({ name, role })), shell: shellOf, close: async () => {} };
  return { ran, target };
}

const stateDir = mkdtempSync(join(tmpdir(), 'swz-preflight-handler-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const context = (target: Target): DeployContext => handlerContext(target, stateDir);

const step: PreflightStep = {
  kind: 'preflight',
  op: 'check',
  id: 'preflight:demo',
  name: 'demo',
  node: 'manager-1',
  nodes: NODES.map(({ name, role }) => ({ name, role })),
  dir: '/srv/swarm-wiz/demo',
  image: 'nginx:1.30-alpine',
  description: 'check',
};

async function failureOf(promise: Promise<unknown>): Promise<StepFailed> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(StepFailed);
  return error as StepFailed;
}

describe('the network preflight handler', () => {
  it('all reachable: network first, containers, ports and overlay, then containers, files and network removed', async () => {
    const { ran, target } = fakeCluster({});
    const message = await preflight(context(target), step);
    expect(message).toMatch(/3 nodes reach each other.*6 ordered pairs/);
    const index = (line: string) => ran.indexOf(line);
    expect(index('manager-1: docker network create')).toBeGreaterThanOrEqual(0);
    for (const node of NODES) {
      expect(index(`${node.name}: docker run --detach`)).toBeGreaterThan(index('manager-1: docker network create'));
      expect(index(`${node.name}: python3 overlay`)).toBeGreaterThan(index(`${node.name}: docker run --detach`));
      expect(ran.filter((line) => line === `${node.name}: docker rm --force`)).toHaveLength(2); // leftovers, then cleanup
      expect(ran).toContain(`${node.name}: rm -rf --`);
    }
    expect(ran.at(-1)).toBe('manager-1: docker network rm');
  });

  it('a blocked port: names both nodes and the port, skips the overlay check, and still cleans up', async () => {
    const { ran, target } = fakeCluster({ portFails: { 'worker-2 tcp/7946/10.110.0.11': 'timed out', 'worker-1 tcp/2377/10.110.0.11': 'refused' } });
    const failure = await failureOf(preflight(context(target), step));
    expect(failure.reason.message).toBe('the swarm nodes do not reach each other: worker-1 cannot reach manager-1 on 2377/tcp (refused); worker-2 cannot reach manager-1 on 7946/tcp (timed out)');
    expect(failure.reason.hint).toMatch(/DigitalOcean cloud firewall.*ufw.*Nothing was deployed/s);
    expect(ran.filter((line) => line.endsWith('python3 overlay'))).toEqual([]);
    for (const node of NODES) expect(ran).toContain(`${node.name}: rm -rf --`);
    expect(ran.at(-1)).toBe('manager-1: docker network rm');
  });

  it('2377 is probed only on managers; 7946 tcp and udp on every other node', async () => {
    const { target } = fakeCluster({ portFails: { 'manager-1 tcp/2377/10.110.0.21': 'refused' } });
    // A probe of 2377 on a worker would be reported; none is made.
    await expect(preflight(context(target), step)).resolves.toMatch(/reach each other/);
  });

  it('overlay blocked at one node: every failing pair is listed, 4789/udp named, and that node pointed at', async () => {
    const overlay = {
      'manager-1 swarm-wiz-preflight-demo-3': 'HTTP 504',
      'worker-1 swarm-wiz-preflight-demo-3': 'HTTP 504',
      'worker-2 swarm-wiz-preflight-demo-1': 'HTTP 504',
      'worker-2 swarm-wiz-preflight-demo-2': 'HTTP 504',
    };
    const { ran, target } = fakeCluster({ overlay });
    const failure = await failureOf(preflight(context(target), step));
    expect(failure.reason.message).toBe(
      'the overlay network does not carry traffic from manager-1 to worker-2, from worker-1 to worker-2, from worker-2 to manager-1, from worker-2 to worker-1: ' +
        '4789/udp (VXLAN) is blocked between them (every failing pair involves worker-2: look there first)',
    );
    expect(ran.at(-1)).toBe('manager-1: docker network rm');
  });

  it('one pair only: "from worker-1 to worker-2 … blocked between them"; a 502 says the name was not resolved or refused', async () => {
    const { target } = fakeCluster({ overlay: { 'worker-1 swarm-wiz-preflight-demo-3': 'HTTP 502' } });
    const failure = await failureOf(preflight(context(target), step));
    expect(failure.reason.message).toMatch(/^the overlay network does not carry traffic from worker-1 to worker-2 \(HTTP 502\): 4789\/udp \(VXLAN\) is blocked between them; HTTP 502 means/);
  });
});
