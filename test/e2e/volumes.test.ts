import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configToYaml, parseConfig, type Config } from '../../src/config/index.js';
import { runArgv } from '../peers/tools.js';
import { buildBackendImage, buildBrokenImage, buildDataServiceImage, hostDocker } from '../recipes/private-swarm.js';
import { docker, eventually, proxyGet, startLocalHarness, type LocalHarness } from './local-harness.js';

/**
 * A private service with a named volume on the local swarm: pinned by its data label, updated
 * stop-first, and its data survives an image update and a re-apply. The public service has a health
 * path the rollout waits for.
 */
const PROJECT = 'vol';
const IMAGES = { v1: 'swz-local/a1-data:1', v2: 'swz-local/a1-data:2', web2: 'swz-local/service-a:2', exits: 'swz-local/service-a:exits', unhealthy: 'swz-local/service-a:unhealthy' };
let h: LocalHarness;

function withDataService(config: Config, image: string): Config {
  return parseConfig({
    ...config,
    sites: config.sites.map((site, i) =>
      i === 0
        ? { ...site, service: { ...site.service, health: '/', env: { GREETING: 'hello $USER' } }, private: site.private.map((svc) => ({ ...svc, image, volumes: ['a1-data:/data'] })) }
        : site,
    ),
  });
}

const apply = async (config: Config) => {
  await writeFile(h.configPath, configToYaml(config));
  const run = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
  expect(run.code, `apply failed:\n${run.stdout.slice(-4000)}\n${run.stderr}`).toBe(0);
  return run;
};

/** Runs a shell command in the running a1 container. */
async function inDataService(script: string): Promise<string> {
  const id = await eventually('the a1 container', async () => (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_a1`])).trim().split('\n')[0] ?? '', (found) => found !== '', 60);
  return docker(['exec', id, 'sh', '-c', script]);
}

/** The data volume and every container of the project that could hold it (stopped ones too). */
async function removeVolume(): Promise<void> {
  const containers = (await runArgv('docker', ['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${PROJECT}`])).stdout.split('\n').filter(Boolean);
  if (containers.length > 0) await runArgv('docker', ['rm', '-f', ...containers]);
  await runArgv('docker', ['volume', 'rm', '-f', `${PROJECT}_a1-data`]);
}

beforeAll(async () => {
  await removeVolume();
  h = await startLocalHarness(PROJECT);
  await buildDataServiceImage(hostDocker, IMAGES.v1, 'v1', 5001);
  await buildDataServiceImage(hostDocker, IMAGES.v2, 'v2', 5001);
  await buildBackendImage(hostDocker, IMAGES.web2, 'site A v2', 5000);
  await buildBrokenImage(hostDocker, IMAGES.exits, 'exits', 5000);
  await buildBrokenImage(hostDocker, IMAGES.unhealthy, 'unhealthy', 5000);
}, 240_000);

afterAll(async () => {
  await h?.stop();
  await removeVolume();
  expect((await runArgv('docker', ['volume', 'ls', '-q', '--filter', `name=${PROJECT}_a1-data`])).stdout.trim()).toBe('');
  await runArgv('docker', ['image', 'rm', '-f', ...Object.values(IMAGES)]);
}, 180_000);

describe('a private service with a volume on the local swarm', () => {
  it('keeps its data through an image update (stop-first) and a re-apply; pinned by its data label', async () => {
    const first = await apply(withDataService(h.config, IMAGES.v1));
    expect(first.stdout).toContain('swarm local: labelled');
    expect((await docker(['node', 'inspect', 'self', '--format', '{{ index .Spec.Labels "swarm-wiz.data.a1" }}'])).trim()).toBe('true');
    expect((await docker(['service', 'inspect', `${PROJECT}_a1`, '--format', '{{.Spec.UpdateConfig.Order}} {{.Spec.RollbackConfig.Order}}'])).trim()).toBe('stop-first stop-first');
    expect((await docker(['service', 'inspect', `${PROJECT}_service-a`, '--format', '{{.Spec.UpdateConfig.Order}} {{json .Spec.TaskTemplate.ContainerSpec.Healthcheck.Test}} {{json .Spec.TaskTemplate.ContainerSpec.Env}}'])).trim()).toBe(
      `start-first ["CMD-SHELL","wget -q -O /dev/null 'http://127.0.0.1:5000/' || curl -fsS -o /dev/null 'http://127.0.0.1:5000/'"] ["GREETING=hello $USER"]`,
    );
    await eventually('service-a healthy', async () => docker(['ps', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_service-a`, '--format', '{{.Status}}']), (status) => status.includes('(healthy)'), 60);
    expect((await inDataService('cat /data/log')).trim().split('\n'), await docker(['service', 'ps', '--no-trunc', `${PROJECT}_a1`])).toEqual(['v1 started']);
    await inDataService('echo precious > /data/precious');

    // An image update of that service: the old task stops before the new one starts, on the same volume.
    await apply(withDataService(h.config, IMAGES.v2));
    await eventually('a1 on v2', () => inDataService('cat /www/index.html'), (text) => text.trim() === 'data service v2', 60);
    expect((await inDataService('cat /data/precious')).trim()).toBe('precious');
    expect((await inDataService('cat /data/log')).trim().split('\n')).toEqual(['v1 started', 'v2 started']);
    const tasks = (await docker(['service', 'ps', `${PROJECT}_a1`, '--format', '{{.Image}} {{.DesiredState}}'])).trim().split('\n');
    expect(tasks.filter((task) => task.endsWith('Running'))).toEqual([`${IMAGES.v2} Running`]);

    // A re-apply with nothing changed deploys nothing and the data is still there.
    const again = await apply(withDataService(h.config, IMAGES.v2));
    expect(again.stdout).toContain('This machine already runs the project as swarm-wiz.yaml says: nothing changed.');
    expect((await inDataService('cat /data/precious')).trim()).toBe('precious');
    expect((await proxyGet('a.test', await h.pebble.issuingRootPem())).body.trim()).toBe('site A');
  }, 400_000);

  it("deploy SERVICE --image: a rolling update with zero failed requests, recorded in swarm-wiz.yaml; a broken image is rolled back and exits 1", async () => {
    const root = await h.pebble.issuingRootPem();
    let running = true;
    const outcomes = { ok: 0, failed: [] as string[] };
    const load = async () => {
      for (let i = 0; running && i < 20_000; i++) {
        try {
          const reply = await proxyGet('a.test', root);
          if (reply.status === 200 && /^site A( v2)?$/.test(reply.body.trim())) outcomes.ok += 1;
          else outcomes.failed.push(`${reply.status} ${reply.body.slice(0, 60)}`);
        } catch (error) {
          outcomes.failed.push((error as Error).message);
        }
      }
    };
    const loop = load();
    const deployed = await h.swarmWiz(['deploy', 'service-a', '--image', IMAGES.web2, '--config', h.configPath]);
    running = false;
    await loop;
    console.log(`deploy service-a under load: ${outcomes.ok + outcomes.failed.length} HTTPS requests, ${outcomes.failed.length} failed`);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    expect(deployed.stdout).toContain(`${PROJECT}_service-a now runs ${IMAGES.web2} (was swz-local/service-a:1)`);
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(20);
    expect((await proxyGet('a.test', root)).body.trim()).toBe('site A v2');
    const recorded = await readFile(h.configPath, 'utf8');
    expect(recorded).toContain(`image: ${IMAGES.web2}`);

    for (const broken of [IMAGES.exits, IMAGES.unhealthy]) {
      const run = await h.swarmWiz(['deploy', 'service-a', '--image', broken, '--config', h.configPath]);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`the new tasks of ${PROJECT}_service-a failed.*Swarm rolled back to ${IMAGES.web2.replace(/[.:/]/g, (c) => `\\${c}`)}`));
      expect((await proxyGet('a.test', root)).body.trim()).toBe('site A v2');
      expect(await readFile(h.configPath, 'utf8')).toBe(recorded);
    }
  }, 600_000);
});
