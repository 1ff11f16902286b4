import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { proxyImageBuild } from '../../src/app/stack-spec.js';
import type { Command } from '../../src/commands/index.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { DEFAULT_DEPLOY_TIMING, type DeployContext, type StackSpec } from '../../src/run/deploy-context.js';
import { DEPLOY_HANDLERS } from '../../src/run/deploy-handlers.js';
import { StepFailed } from '../../src/run/failure.js';
import { proxyImageCommands } from '../../src/run/proxy-image.js';
import { emptyState, StateStore } from '../../src/state/index.js';
import { CommandFailed } from '../../src/targets/errors.js';
import type { CommandResult, Shell, Target } from '../../src/targets/index.js';

const TAG = 'registry.digitalocean.com/me/demo-proxy:0123456789ab';
const PROJECT = '/srv/swarm-wiz/demo';
const LOGIN = { host: 'registry.digitalocean.com', username: 'dop_v1_tok', password: 'dop_v1_tok' };

describe('delivery: image — what runs on the manager', () => {
  it('--target local builds only; droplets build, log in and push; without credentials they push anonymously', () => {
    const argvs = (commands: Command[]) => commands.map((command) => command.argv.filter((arg) => arg !== '--quiet' && !arg.startsWith('DOCKER_CONFIG=')).slice(0, 3).join(' '));
    expect(argvs(proxyImageCommands(proxyImageBuild(TAG, { buildsWithoutPush: true, registryLogin: LOGIN }, PROJECT), '/p/proxy'))).toEqual(['env DOCKER_BUILDKIT=0 docker']);
    expect(argvs(proxyImageCommands(proxyImageBuild(TAG, { registryLogin: LOGIN }, PROJECT), '/p/proxy'))).toEqual(['env DOCKER_BUILDKIT=0 docker', 'env docker login', 'env docker push']);
    expect(argvs(proxyImageCommands(proxyImageBuild(TAG, {}, PROJECT), '/p/proxy'))).toEqual(['env DOCKER_BUILDKIT=0 docker', 'docker push registry.digitalocean.com/me/demo-proxy:0123456789ab']);
    expect(proxyImageCommands(proxyImageBuild(TAG, {}, PROJECT), '/p/proxy')[0]!.argv.slice(-3)).toEqual(['--tag', TAG, '/p/proxy']);
    // The login is kept in the project folder, and the push reads it from there.
    const [, login, push] = proxyImageCommands(proxyImageBuild(TAG, { registryLogin: LOGIN }, PROJECT), '/p/proxy');
    expect(login!.argv.slice(0, 4)).toEqual(['env', 'DOCKER_CONFIG=/srv/swarm-wiz/demo/.docker', 'docker', 'login']);
    expect(push!.argv).toEqual(['env', 'DOCKER_CONFIG=/srv/swarm-wiz/demo/.docker', 'docker', 'push', TAG]);
  });
});

const stateDir = mkdtempSync(join(tmpdir(), 'swz-proxy-image-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('the stack step with delivery: image on droplets', () => {
  function manager(failPush = false) {
    const ran: Command[] = [];
    const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
    const exec = async (command: Command): Promise<CommandResult> => {
      ran.push(command);
      const argv = command.argv;
      if (failPush && argv.includes('push')) throw new CommandFailed({ command, nodeName: 'manager-1', exitCode: 1, stderr: 'denied: requested access to the resource is denied' });
      if (argv[1] === 'stack' && argv[2] === 'services') return ok('{"Name":"demo_proxy","Mode":"global","Replicas":"2/2","Image":"x"}\n');
      return ok();
    };
    const shell: Shell = { run: exec, probe: exec };
    const target: Target = { kind: 'digitalocean', nodes: () => [{ name: 'manager-1', role: 'manager' }], shell: () => shell, close: async () => {} };
    return { ran, target };
  }
  const spec: StackSpec = { compose: 'services: {}\n', env: { SWARM_WIZ_PROXY_TAG: '0123456789ab', DOCKER_CONFIG: `${PROJECT}/.docker` }, hash: 'h', files: new Map(), build: proxyImageBuild(TAG, { registryLogin: LOGIN }, PROJECT) };
  const context = (target: Target): DeployContext => ({
    config: parseConfig(SEED_EXAMPLE),
    store: new StateStore(stateDir, emptyState('demo')),
    target,
    emit: () => undefined,
    signal: undefined,
    timing: { ...DEFAULT_DEPLOY_TIMING, pollIntervalMs: 1 },
    proxyFiles: async () => new Map(),
    stackSpec: async () => spec,
    issue: async () => {
      throw new Error('not used');
    },
    resolveImage: 'always',
  });
  const step = { kind: 'stack' as const, op: 'create' as const, id: 'stack:demo', name: 'demo', project: 'demo', composePath: '/srv/swarm-wiz/demo/docker-compose.yml', node: 'manager-1', hash: 'h', env: {}, description: 'deploy' };

  it('builds from the proxy folder, logs in (password on stdin), pushes, then deploys with --with-registry-auth', async () => {
    const node = manager();
    await DEPLOY_HANDLERS.stack(context(node.target), step);
    const docker = node.ran.map((command) => command.argv).filter((argv) => argv.includes('docker')).map((argv) => argv.slice(argv.indexOf('docker'), argv.indexOf('docker') + 3).join(' '));
    expect(docker.slice(0, 4)).toEqual(['docker build --quiet', 'docker login --username', 'docker push registry.digitalocean.com/me/demo-proxy:0123456789ab', 'docker stack deploy']);
    expect(node.ran.find((command) => command.argv.includes('deploy'))!.argv).toContain('DOCKER_CONFIG=/srv/swarm-wiz/demo/.docker');
    expect(node.ran.find((command) => command.argv.includes('build'))!.argv.at(-1)).toBe('/srv/swarm-wiz/demo/proxy');
    const login = node.ran.find((command) => command.argv.includes('login'))!;
    expect(login.stdin).toBe(LOGIN.password);
    const deploy = node.ran.find((command) => command.argv.includes('deploy'))!.argv;
    expect(deploy).toContain('--with-registry-auth');
    expect(deploy).toContain('SWARM_WIZ_PROXY_TAG=0123456789ab');
    // The token is never an argument except as the user DigitalOcean's registry wants, and redacted there.
    expect(node.ran.filter((command) => command !== login).flatMap((command) => command.argv).join(' ')).not.toContain(LOGIN.password);
  });

  it('a refused push fails the step, says what to check and deploys nothing', async () => {
    const node = manager(true);
    const failure = await DEPLOY_HANDLERS.stack(context(node.target), step).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StepFailed);
    expect((failure as StepFailed).reason.message).toContain('requested access to the resource is denied');
    expect((failure as StepFailed).reason.hint).toContain('may push to it');
    expect(node.ran.filter((command) => command.argv.includes('deploy'))).toEqual([]);
  });

  it('a refused anonymous push says which variables to set', async () => {
    const node = manager(true);
    const anonymous = { ...context(node.target), stackSpec: async () => ({ ...spec, build: proxyImageBuild(TAG, {}, PROJECT) }) };
    const failure = await DEPLOY_HANDLERS.stack(anonymous, step).catch((error: unknown) => error);
    expect((failure as StepFailed).reason.hint).toContain('SWARM_WIZ_REGISTRY_USER');
    expect(node.ran.filter((command) => command.argv.includes('login'))).toEqual([]);
  });
});
