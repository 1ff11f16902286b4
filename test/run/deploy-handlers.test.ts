import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/commands/index.js';
import type { ProxyFilesStep } from '../../src/plan/index.js';
import { DEFAULT_DEPLOY_TIMING, type DeployContext, type ProxyFile } from '../../src/run/deploy-context.js';
import { DEPLOY_HANDLERS } from '../../src/run/deploy-handlers.js';
import { StepFailed } from '../../src/run/failure.js';
import type { CommandResult, Shell, Target } from '../../src/targets/index.js';
import { handlerContext } from './deploy-context-fixture.js';

/**
 * The proxy-files handler's promise, checked on a node whose shell is a small in-memory machine: the
 * files, a running proxy container, and an `nginx -t` that accepts or rejects what is in the folder.
 */
function fakeNode(files: Map<string, string>, nginxAccepts: (files: Map<string, string>) => boolean, proxyDied = false) {
  const ran: string[][] = [];
  const staged = new Map<string, string>();
  const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
  const exec = async (command: Command): Promise<CommandResult> => {
    const argv = [...command.argv];
    ran.push(argv);
    const [tool, ...args] = argv;
    switch (tool) {
      case 'find':
        return ok([...files].map(([path, content]) => `${createHash('sha256').update(content).digest('hex')}  ${path}`).join('\n'));
      case 'cat':
        return ok(files.get(args[1]!) ?? '');
      case 'install':
        staged.set(args[3]!, '');
        return ok();
      case 'dd':
        staged.set(args[0]!.slice(3), String(command.stdin ?? ''));
        return ok();
      case 'mv':
        files.set(args[3]!, staged.get(args[2]!) ?? '');
        return ok();
      case 'rm':
        files.delete(args[2]!);
        return ok();
      case 'docker':
        if (args[0] === 'ps') return ok('c0ffee\nc1d\n');
        // c0ffee reads the proxy folder; c1d is a proxy from before a switch to delivery: files.
        if (args[0] === 'inspect') return ok(args.at(-1) === 'c0ffee' ? '/etc/nginx/swarm-wiz\n' : '/run/secrets\n');
        if (args[0] === 'exec' && args[1] !== 'c0ffee') return { exitCode: 1, stdout: '', stderr: 'open() "/etc/nginx/swarm-wiz/nginx.conf" failed (2: No such file or directory)' };
        if (args[0] === 'exec' && proxyDied) return { exitCode: 1, stdout: '', stderr: 'Error response from daemon: Container c0ffee is not running' };
        if (args[0] === 'exec') return nginxAccepts(files) ? ok() : { exitCode: 1, stdout: '', stderr: 'nginx: [emerg] unknown directive "bogus" in /etc/nginx/swarm-wiz/nginx.conf:3\nnginx: configuration file test failed' };
        return ok();
      default:
        return ok();
    }
  };
  const shell: Shell = { run: exec, probe: exec };
  const target: Target = { kind: 'local', nodes: () => [{ name: 'n1', role: 'manager' }], shell: () => shell, close: async () => {} };
  return { ran, target };
}

// The stack step records its deploy in the state: a folder of the test's own, removed afterwards.
const stateDir = mkdtempSync(join(tmpdir(), 'swz-handlers-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const context = (target: Target, desired: Map<string, ProxyFile>): DeployContext => handlerContext(target, stateDir, desired);

const step: ProxyFilesStep = { kind: 'proxy-files', op: 'update', id: 'proxy-files:n1', name: 'n1', node: 'n1', dir: '/p', changed: [], description: 'sync' };

describe('the proxy folder on a node', () => {
  it('a configuration that fails nginx -t never replaces the running one: files put back, no reload, nginx says why', async () => {
    const files = new Map([['/p/nginx.conf', 'good'], ['/p/certs/a.com/fullchain.pem', 'old chain']]);
    const node = fakeNode(files, (now) => now.get('/p/nginx.conf') === 'good');
    const desired = new Map<string, ProxyFile>([
      ['nginx.conf', { content: 'bogus', mode: 0o644 }],
      ['certs/a.com/fullchain.pem', { content: 'new chain', mode: 0o644 }],
      ['certs/b.com/privkey.pem', { content: 'new key', mode: 0o600 }],
    ]);
    const failure = await DEPLOY_HANDLERS['proxy-files'](context(node.target, desired), step).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StepFailed);
    expect((failure as StepFailed).reason.message).toContain('unknown directive "bogus"');
    expect((failure as StepFailed).reason.hint).toContain('keeps serving as before');
    expect([...files]).toEqual([['/p/nginx.conf', 'good'], ['/p/certs/a.com/fullchain.pem', 'old chain']]);
    expect(node.ran.filter((argv) => argv.includes('kill'))).toEqual([]);
  });

  it('an accepted configuration is written (certificates before nginx.conf) and nginx is reloaded once', async () => {
    const files = new Map([['/p/nginx.conf', 'good']]);
    const node = fakeNode(files, () => true);
    const desired = new Map<string, ProxyFile>([
      ['nginx.conf', { content: 'better', mode: 0o644 }],
      ['certs/a.com/privkey.pem', { content: 'key', mode: 0o600 }],
    ]);
    expect(await DEPLOY_HANDLERS['proxy-files'](context(node.target, desired), step)).toBe('2 files updated, nginx reloaded in place');
    expect(files.get('/p/nginx.conf')).toBe('better');
    const moves = node.ran.filter((argv) => argv[0] === 'mv').map((argv) => argv[4]);
    expect(moves).toEqual(['/p/certs/a.com/privkey.pem', '/p/nginx.conf']);
    expect(node.ran.find((argv) => argv[0] === 'install' && argv.at(-1)!.includes('privkey'))?.[2]).toBe('0600');
    expect(node.ran.filter((argv) => argv[1] === 'kill')).toEqual([['docker', 'kill', '--signal', 'HUP', 'c0ffee']]);
    // A key never travels in an argument.
    expect(node.ran.flat().join(' ')).not.toContain('key ');
  });

  it('nothing differs: nothing is written and nothing reloaded', async () => {
    const files = new Map([['/p/nginx.conf', 'same']]);
    const node = fakeNode(files, () => true);
    expect(await DEPLOY_HANDLERS['proxy-files'](context(node.target, new Map([['nginx.conf', { content: 'same', mode: 0o644 }]])), step)).toBe('up to date');
    expect(node.ran.map((argv) => argv[0])).toEqual(['find']);
  });
});

describe('the stack on the manager', () => {
  function stackNode(tasksOf: (service: string) => string[]) {
    const ran: string[][] = [];
    const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
    const exec = async (command: Command): Promise<CommandResult> => {
      ran.push([...command.argv]);
      const argv = command.argv;
      if (argv[1] === 'stack' && argv[2] === 'services') return ok('{"Name":"demo_proxy","Mode":"replicated","Replicas":"0/1","Image":"nginx"}\n{"Name":"demo_a","Mode":"replicated","Replicas":"1/1","Image":"a"}\n');
      if (argv[1] === 'service' && argv[2] === 'ps') return ok(tasksOf(argv[3]!).map((error, i) => JSON.stringify({ Name: `${argv[3]}.1`, Node: 'n1', DesiredState: i === 0 ? 'Ready' : 'Shutdown', CurrentState: 'Rejected', Error: error })).join('\n'));
      return ok();
    };
    const shell: Shell = { run: exec, probe: exec };
    const target: Target = { kind: 'local', nodes: () => [{ name: 'n1', role: 'manager' }], shell: () => shell, close: async () => {} };
    return { ran, target };
  }
  const stack = { kind: 'stack' as const, op: 'create' as const, id: 'stack:demo', name: 'demo', project: 'demo', composePath: '/p/docker-compose.yml', node: 'n1', hash: 'h', env: {}, description: 'deploy' };
  const fast = (target: Target) => ({ ...context(target, new Map()), timing: { ...DEFAULT_DEPLOY_TIMING, pollIntervalMs: 1, convergeTimeoutMs: 60_000 } });

  it('a task that keeps failing with the same error fails the step at once, naming the error', async () => {
    const node = stackNode((service) => (service === 'demo_proxy' ? Array(3).fill('host-mode port already in use on 1 node') : []));
    const failure = await DEPLOY_HANDLERS.stack(fast(node.target), stack).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StepFailed);
    expect((failure as StepFailed).reason.message).toContain('demo_proxy: host-mode port already in use on 1 node');
    expect(node.ran.filter((argv) => argv[2] === 'deploy')).toHaveLength(1);
  });

  it('a task that failed once is awaited (Swarm starts it again), until the timeout', async () => {
    const node = stackNode((service) => (service === 'demo_proxy' ? ['No such image: nginx'] : []));
    const ctx = { ...fast(node.target), timing: { ...DEFAULT_DEPLOY_TIMING, pollIntervalMs: 1, convergeTimeoutMs: 30 } };
    const failure = await DEPLOY_HANDLERS.stack(ctx, stack).catch((error: unknown) => error);
    expect((failure as StepFailed).reason.message).toMatch(/did not converge within 0 s: demo_proxy 0\/1: No such image: nginx/);
  });

  it('a proxy whose mode changes is removed right before the deploy, which waits until its containers are gone', async () => {
    const ran: string[][] = [];
    let running = 2; // the old proxy's container is still running for two more looks
    const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
    const exec = async (command: Command): Promise<CommandResult> => {
      const argv = [...command.argv];
      ran.push(argv);
      if (argv[1] === 'ps' && argv.includes('label=com.docker.swarm.service.name=demo_proxy')) return ok(running-- > 0 ? 'c0ffee\n' : '');
      if (argv[1] === 'stack' && argv[2] === 'services') return ok('{"Name":"demo_proxy","Mode":"global","Replicas":"1/1","Image":"nginx"}\n');
      return ok();
    };
    const shell: Shell = { run: exec, probe: exec };
    const target: Target = { kind: 'local', nodes: () => [{ name: 'n1', role: 'manager' }], shell: () => shell, close: async () => {} };
    const replacing = { ...stack, op: 'update' as const, replace: [{ service: 'demo_proxy', from: 'replicated', to: 'global' }] };
    await expect(DEPLOY_HANDLERS.stack(fast(target), replacing)).resolves.toMatch(/running/);
    const at = (match: (argv: string[]) => boolean) => ran.findIndex(match);
    const removed = at((argv) => argv.join(' ') === 'docker service rm demo_proxy');
    const deployed = at((argv) => argv.includes('deploy'));
    const lastWrite = ran.map((argv) => argv[0]).lastIndexOf('mv');
    expect(removed).toBeGreaterThan(lastWrite); // the compose file is in place first: the gap is only remove → deploy
    expect(deployed).toBeGreaterThan(removed);
    expect(ran.slice(removed, deployed).filter((argv) => argv[1] === 'ps')).toHaveLength(3);
  });
});

describe('the proxy folder on a node that just joined', () => {
  it('a proxy task that died meanwhile (it started before its folder was there) is neither checked nor reloaded: the files are written, it reads them as it starts again', async () => {
    const files = new Map<string, string>();
    const node = fakeNode(files, () => false, true);
    const desired = new Map<string, ProxyFile>([['nginx.conf', { content: 'conf', mode: 0o644 }]]);
    expect(await DEPLOY_HANDLERS['proxy-files'](context(node.target, desired), step)).toBe('1 file written (the proxy there is starting: it reads them as it starts)');
    expect(files.get('/p/nginx.conf')).toBe('conf');
    expect(node.ran.filter((argv) => argv[1] === 'kill')).toEqual([]);
  });
});

describe('the swarm steps that bring machines back', () => {
  /** Nodes whose shells record every argv; `docker ps -aq` lists a container of the old swarm `leftovers` times. */
  function swarmNodes(leftovers: number) {
    const ran: { node: string; argv: string[] }[] = [];
    let polls = 0;
    const shellOf = (node: string): Shell => {
      const exec = async (command: Command): Promise<CommandResult> => {
        const argv = [...command.argv];
        ran.push({ node, argv });
        const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
        if (argv[1] === 'info') return ok(JSON.stringify({ NodeID: `id-${node}`, NodeAddr: node === 'm2' ? '10.110.0.3' : '10.110.0.9', LocalNodeState: 'active', ControlAvailable: node === 'm2' }));
        if (argv[1] === 'swarm' && argv[2] === 'join-token') return ok(`SWMTKN-${argv[4]}`);
        if (argv[1] === 'ps') return ok(polls++ < leftovers ? 'c0ffee\n' : '');
        return ok();
      };
      return { run: exec, probe: exec };
    };
    const target: Target = { kind: 'local', nodes: () => [{ name: 'm2', role: 'manager' }, { name: 'w1', role: 'worker' }], shell: shellOf, close: async () => {} };
    const ctx = { ...handlerContext(target, stateDir), timing: { ...DEFAULT_DEPLOY_TIMING, pollIntervalMs: 1, serviceRemovalTimeoutMs: 200 } };
    return { ran, ctx };
  }

  it('a worker still in a swarm that is gone leaves it, waits until its old containers and networks are gone, restarts its engine, then joins at the lead manager', async () => {
    const { ran, ctx } = swarmNodes(2);
    const joined = await DEPLOY_HANDLERS.swarm(ctx, { kind: 'swarm', action: 'join', op: 'update', id: 'swarm:join:w1', name: 'w1', node: 'w1', role: 'worker', manager: 'm2', leaveFirst: true, description: '' });
    expect(joined).toBe('left the old swarm, joined as a worker');
    const onWorker = ran.filter((r) => r.node === 'w1').map((r) => r.argv.slice(0, 3).join(' '));
    expect(onWorker[0]).toBe('docker swarm leave');
    expect(onWorker.filter((line) => line === 'docker ps -aq')).toHaveLength(3);
    // The engine restarts between the leave and the join (it forgets the old swarm's gossip only then).
    expect(onWorker.indexOf('systemctl restart docker')).toBeGreaterThan(onWorker.lastIndexOf('docker ps -aq'));
    expect(onWorker.indexOf('systemctl restart docker')).toBeLessThan(onWorker.indexOf('docker swarm join'));
    expect(ran.filter((r) => r.node === 'w1').at(-1)!.argv).toEqual(['docker', 'swarm', 'join', '--token', 'SWMTKN-worker', '10.110.0.3:2377']);
  });

  it('gives up, saying what is left, when the old swarm does not go in time', async () => {
    const { ctx } = swarmNodes(10_000);
    const failure = await DEPLOY_HANDLERS.swarm(ctx, { kind: 'swarm', action: 'join', op: 'update', id: 'swarm:join:w1', name: 'w1', node: 'w1', role: 'worker', manager: 'm2', leaveFirst: true, description: '' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StepFailed);
    expect((failure as StepFailed).reason.message).toMatch(/^w1 left the old swarm, but its task containers or overlay networks were still there after 0\.2 s/);
  });

  it('a dead manager is demoted, then removed; a dead worker only removed', async () => {
    const { ran, ctx } = swarmNodes(0);
    expect(await DEPLOY_HANDLERS.swarm(ctx, { kind: 'swarm', action: 'remove', op: 'delete', id: 'swarm:remove:x', name: 'm1', node: 'm2', swarmNodeId: 'x', demote: true, description: '' })).toBe('demoted and removed');
    expect(await DEPLOY_HANDLERS.swarm(ctx, { kind: 'swarm', action: 'remove', op: 'delete', id: 'swarm:remove:y', name: 'w9', node: 'm2', swarmNodeId: 'y', demote: false, description: '' })).toBe('removed');
    expect(ran.map((r) => `${r.node}: ${r.argv.join(' ')}`)).toEqual(['m2: docker node demote x', 'm2: docker node rm --force x', 'm2: docker node rm --force y']);
  });
});
