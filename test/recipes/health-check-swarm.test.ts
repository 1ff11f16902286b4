import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderCompose } from '../../recipes/compose.js';
import { deployService } from '../../src/app/deploy-service.js';
import { projectStatus } from '../../src/app/project-status.js';
import { parseStackServices, stackDeploy, stackServices } from '../../src/commands/index.js';
import { configToYaml, parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { emptyState, saveState } from '../../src/state/index.js';
import type { ServiceRow } from '../../src/status/snapshot.js';
import { localShell } from '../../src/targets/local.js';
import { eventually } from '../peers/tools.js';
import { buildIdleImage, startPrivateSwarm, type PrivateSwarm } from './private-swarm.js';

/**
 * A private service whose health check is a command (`health: { cmd: [test, -f, /tmp/ready] }`), on a
 * real one-node swarm (its own dockerd: the host's engine is not touched). The check fails until the
 * file exists. The stack is the compose file swarm-wiz renders, without its proxy (this test is about
 * the app services; the proxy needs certificates and nginx, which other tests deploy), deployed with
 * swarm-wiz's own `docker stack deploy` argv. `status` and `deploy SERVICE` are the use cases
 * themselves, on the local target pointed at that dockerd.
 */
const PROJECT = 'hc';
const IMAGES = { web: 'swz-test/hc-web:1', v1: 'swz-test/hc-db:1', v2: 'swz-test/hc-db:2' };
const CHECK = ['test', '-f', '/tmp/ready'];
let swarm: PrivateSwarm;
let dir: string;
let config: Config;
const dockerHostBefore = process.env.DOCKER_HOST;

function healthConfig(dbImage: string): Config {
  return parseConfig({
    ...SEED_EXAMPLE,
    project: PROJECT,
    topology: 'manager',
    workers: 0,
    sites: [{ domain: 'hc.test', service: { name: 'web', image: IMAGES.web, port: 5000 }, private: [{ name: 'db', image: dbImage, port: 5432, health: { cmd: CHECK } }] }],
    certificates: { ...SEED_EXAMPLE.certificates, email: 'ops@hc.test', delivery: 'files' },
  });
}

/** The db row as `swarm-wiz status` sees it now. */
async function dbRow(): Promise<ServiceRow | undefined> {
  const snapshot = await projectStatus({ config, dir, target: 'local', probe: false });
  return snapshot.services.find((row) => row.name === 'db');
}

/** `docker stack services` for db: what apply's stack step waits on (running < desired = still waiting). */
async function dbReplicas(): Promise<string> {
  const service = parseStackServices(await swarm.docker(stackServices(PROJECT).argv.slice(1))).find((svc) => svc.name === `${PROJECT}_db`);
  return service ? `${service.running}/${service.desired}` : 'none';
}

/** The running db container of `image` (the newest task's), once there is one. */
async function dbContainer(image: string): Promise<string> {
  return eventually(
    `a running ${image} container`,
    async () => (await swarm.docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_db`, '--filter', 'status=running', '--filter', `ancestor=${image}`])).trim().split('\n')[0] ?? '',
    (id) => id !== '',
    60,
  );
}

/** With SWZ_CAPTURE=DIR, writes what `docker service ps` says now to DIR/name (how test/status/fixtures/health-*.jsonl were made). */
async function capture(name: string): Promise<void> {
  const into = process.env.SWZ_CAPTURE;
  if (into) writeFileSync(join(into, name), await swarm.docker(['service', 'ps', '--no-trunc', '--format', '{{json .}}', `${PROJECT}_db`, `${PROJECT}_web`]));
}
/** Asks status every second until db's health is `health`; returns each distinct row seen (see brief), in order. */
async function healthUntil(health: string, seconds = 60): Promise<string[]> {
  const seen: string[] = [];
  await eventually(`db ${health}`, dbRow, (row) => {
    const line = brief(row);
    if (seen.at(-1) !== line) seen.push(line);
    return row?.health === health;
  }, seconds, 1000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\nseen:\n${seen.join('\n')}`);
  });
  return seen;
}

const brief = (row: ServiceRow | undefined) => (row ? `${row.running}/${row.desired} ${row.state} ${row.health ?? '-'} (${row.healthCheck ?? ''})${row.lastError ? ` ${row.lastError}` : ''}` : 'no row');

beforeAll(async () => {
  swarm = await startPrivateSwarm();
  // The use cases' local target runs `docker` with this process's environment.
  process.env.DOCKER_HOST = swarm.dockerHost;
  await buildIdleImage(swarm, IMAGES.web, 'web');
  await buildIdleImage(swarm, IMAGES.v1, 'v1');
  await buildIdleImage(swarm, IMAGES.v2, 'v2');
  dir = mkdtempSync(join(tmpdir(), 'swz-health-'));
  config = healthConfig(IMAGES.v1);
  writeFileSync(join(dir, 'swarm-wiz.yaml'), configToYaml(config));
  await saveState(dir, { ...emptyState(PROJECT), target: 'local' });
}, 180_000);

afterAll(async () => {
  if (dockerHostBefore === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = dockerHostBefore;
  await swarm?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('a private service with a command health check, on a real swarm', () => {
  it('is not running until its check passes (what apply waits for); status shows it starting, unhealthy once its check ran and failed, then healthy once it passes', async () => {
    const compose = YAML.parse(renderCompose(config)) as { services: Record<string, Record<string, unknown>> };
    expect(compose.services.db!.healthcheck).toEqual({ test: ['CMD', ...CHECK], interval: '5s', timeout: '3s', retries: 3, start_period: '60s' });
    delete compose.services.proxy;
    const composePath = join(dir, 'docker-compose.yml');
    writeFileSync(composePath, YAML.stringify(compose));
    await localShell({ env: { DOCKER_HOST: swarm.dockerHost } }).run(stackDeploy({ project: PROJECT, composePath, env: {}, resolveImage: 'never' }));
    expect((await swarm.docker(['service', 'inspect', `${PROJECT}_db`, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck.Test}}'])).trim()).toBe(JSON.stringify(['CMD', ...CHECK]));

    // Its container runs, its check fails: Swarm keeps the task Starting, so db is 0/1 and apply keeps waiting.
    await dbContainer(IMAGES.v1);
    const seen = await healthUntil('unhealthy');
    await capture('unhealthy.jsonl');
    expect(seen.at(-1)).toBe('0/1 down unhealthy (test -f /tmp/ready)');
    // Seen starting first unless this machine was slow to ask (the first check answers within FIRST_CHECK_SECONDS).
    expect(seen.slice(0, -1).filter((row) => row !== '0/1 down starting (test -f /tmp/ready)')).toEqual([]);
    expect(await dbReplicas()).toBe('0/1');
    const web = (await projectStatus({ config, dir, target: 'local', probe: false })).services.find((row) => row.name === 'web');
    expect(web?.health, 'a service without a check has no health').toBeUndefined();

    // The file appears in the running container: the next check passes and the task runs.
    await swarm.docker(['exec', await dbContainer(IMAGES.v1), 'touch', '/tmp/ready']);
    const healthy = await healthUntil('healthy');
    await capture('healthy.jsonl');
    expect(healthy.at(-1)).toBe('1/1 ok healthy (test -f /tmp/ready)');
    expect(await dbReplicas()).toBe('1/1');
  }, 300_000);

  it('deploy db --image: the rollout waits for the new task to pass its check, the old one serving meanwhile; then it is recorded', async () => {
    const progress: string[] = [];
    let settled = false;
    const rollout = deployService({ config, configPath: join(dir, 'swarm-wiz.yaml'), dir, service: 'db', image: IMAGES.v2, pollMs: 500, timeoutMs: 180_000, onProgress: (line) => progress.push(line) }).finally(() => (settled = true));
    rollout.catch(() => undefined);

    // start-first: the v2 task starts beside v1 and fails its check (no /tmp/ready in a new container).
    const v2 = await dbContainer(IMAGES.v2);
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect(settled, `the rollout finished before the new task passed its check: ${progress.join('; ')}`).toBe(false);
    expect((await swarm.docker(['service', 'inspect', `${PROJECT}_db`, '--format', '{{.UpdateStatus.State}}'])).trim()).toBe('updating');
    await capture('updating.jsonl');
    expect(brief(await dbRow())).toMatch(/^1\/1 ok healthy /);
    expect(readFileSync(join(dir, 'swarm-wiz.yaml'), 'utf8')).toContain(`image: ${IMAGES.v1}`);

    await swarm.docker(['exec', v2, 'touch', '/tmp/ready']);
    const result = await rollout;
    expect(result).toEqual({ service: `${PROJECT}_db`, from: IMAGES.v1, to: IMAGES.v2, outcome: 'updated' });
    expect(readFileSync(join(dir, 'swarm-wiz.yaml'), 'utf8')).toContain(`image: ${IMAGES.v2}`);
    expect((await swarm.docker(['exec', await dbContainer(IMAGES.v2), 'cat', '/version'])).trim()).toBe('v2');
    expect(brief(await dbRow())).toMatch(/^1\/1 ok healthy /);
  }, 240_000);
});
