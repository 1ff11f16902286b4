import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configToYaml, parseConfig } from '../../src/config/index.js';
import { runArgv } from '../peers/tools.js';
import { buildSecretCheckingImage, hostDocker } from '../recipes/private-swarm.js';
import { filesUnder } from '../support/files.js';
import { docker, eventually, startLocalHarness, type LocalHarness } from './local-harness.js';

/**
 * A private service reading a Swarm secret on the local swarm: an apply stops before deploying while
 * the secret was never set; `secret set` (value on stdin), apply, the task reads it at
 * /run/secrets/db_password; `secret set` again rotates it (rolling update, old version removed); and
 * neither value is in any file of the project, its state, or anything swarm-wiz printed. A value the
 * service refuses (it exits at once) is rolled back and withdrawn: the previous version stays current.
 */
const PROJECT = 'sec';
const VALUES = [`first-${randomBytes(12).toString('hex')}`, `second-${randomBytes(12).toString('hex')}`] as const;
/** A value a1 refuses to start with (see buildSecretCheckingImage). */
const REFUSED = `bad-${randomBytes(12).toString('hex')}`;
const A1_IMAGE = 'swz-local/a1-secret:1';
let h: LocalHarness;
/** stdout and stderr of every swarm-wiz command run here. */
const printed: string[] = [];

const swarmWiz = async (args: string[], stdin?: string) => {
  const run = await h.swarmWiz([...args, '--config', h.configPath], undefined, stdin);
  printed.push(run.stdout, run.stderr);
  return run;
};
const apply = () => swarmWiz(['apply', '--target', 'local', '--yes', '--ca-cert', h.caCertFile]);

/** What the running a1 task reads at /run/secrets/db_password, and the file's mode. */
async function secretInTask(): Promise<string> {
  const id = await eventually('the a1 container', async () => (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_a1`])).trim().split('\n')[0] ?? '', (found) => found !== '', 60);
  return (await docker(['exec', id, '/bin/busybox', 'sh', '-c', 'echo "$(/bin/busybox stat -c %a /run/secrets/db_password) $(/bin/busybox cat /run/secrets/db_password)"'])).trim();
}

const stackServices = async () => (await docker(['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${PROJECT}`])).trim();

beforeAll(async () => {
  h = await startLocalHarness(PROJECT);
  await buildSecretCheckingImage(hostDocker, A1_IMAGE, 'private A1', 5001, 'db_password');
  const config = parseConfig({
    ...h.config,
    sites: h.config.sites.map((site, i) => (i === 0 ? { ...site, private: site.private.map((svc) => ({ ...svc, image: A1_IMAGE, secrets: ['db_password'] })) } : site)),
  });
  await writeFile(h.configPath, configToYaml(config));
}, 240_000);

afterAll(async () => {
  await h?.stop();
  await runArgv('docker', ['image', 'rm', '-f', A1_IMAGE]);
}, 180_000);

describe('secrets on the local swarm', () => {
  it('stops before deploying while a declared secret was never set', async () => {
    // First on an engine not in a swarm yet (the stack step finds out), then in the swarm that run made (the plan knows).
    for (let i = 0; i < 2; i++) {
      const run = await apply();
      expect(run.code, run.stdout + run.stderr).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('secret db_password is not set: run swarm-wiz secret set db_password');
      expect(await stackServices()).toBe('');
    }
    expect((await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim()).toBe('active');
  }, 180_000);

  it('secret set, apply: the task reads it; secret set again: rolled out, the old version gone; neither value anywhere', async () => {
    const set = await swarmWiz(['secret', 'set', 'db_password', '--target', 'local'], `${VALUES[0]}\n`);
    expect(set.code, set.stdout + set.stderr).toBe(0);
    expect(set.stdout).toContain(`db_password: version 1 stored (${PROJECT}_db_password_v1)`);

    const applied = await apply();
    expect(applied.code, `apply failed:\n${applied.stdout.slice(-4000)}\n${applied.stderr}`).toBe(0);
    expect(await secretInTask()).toBe(`400 ${VALUES[0]}`);

    // Rotation: the state says where the project runs (no --target).
    const rotated = await swarmWiz(['secret', 'set', 'db_password'], VALUES[1]);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`db_password: version 2 stored (${PROJECT}_db_password_v2)`);
    expect(rotated.stdout).toContain(`Updated: ${PROJECT}_a1.`);
    expect(rotated.stdout).toContain(`Removed old versions: ${PROJECT}_db_password_v1.`);
    expect(await secretInTask()).toBe(`400 ${VALUES[1]}`);
    expect((await docker(['secret', 'ls', '--format', '{{.Name}}'])).trim().split('\n').sort()).toEqual([`${PROJECT}_db_password_v2`]);

    // deploy_stack.sh (run by hand) picks the same version: its own lines, up to the export, against this swarm.
    const script = (await readFile(join(h.dir, 'support', 'deploy_stack.sh'), 'utf8')).split('\n');
    const resolve = script.slice(script.findIndex((line) => line.startsWith('secrets=$(')), script.findIndex((line) => line.startsWith('export SWARM_WIZ_SECRET_')) + 1);
    const picked = await runArgv('sh', ['-c', ['set -eu', ...resolve, 'echo "$SWARM_WIZ_SECRET_DB_PASSWORD"'].join('\n')]);
    expect(picked.stdout.trim(), picked.stderr).toBe(`${PROJECT}_db_password_v2`);

    const listed = await swarmWiz(['secret', 'ls', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'db_password', set: true, version: 2, declaredBy: ['a1'], usedBy: [{ service: `${PROJECT}_a1`, version: 2 }] }]);

    // A re-apply keeps the new version (the stack names the newest) and the task still reads it.
    const again = await apply();
    expect(again.code, again.stdout.slice(-2000) + again.stderr).toBe(0);
    expect(await secretInTask()).toBe(`400 ${VALUES[1]}`);

    const files = await filesUnder(h.dir);
    expect(files).toContain(join('.swarm-wiz', 'state.json'));
    expect(files).toContain('docker-compose.yml');
    const hits: string[] = [];
    for (const file of files) {
      const content = await readFile(join(h.dir, file));
      for (const value of VALUES) if (content.includes(value)) hits.push(`${file}: ${value.slice(0, 6)}…`);
    }
    printed.forEach((text, i) => VALUES.forEach((value) => text.includes(value) && hits.push(`output of command ${Math.floor(i / 2) + 1}`)));
    console.log(`searched ${files.length} files under the project folder and ${printed.length} outputs of ${printed.length / 2} swarm-wiz commands for both values: ${hits.length} hits`);
    expect(hits).toEqual([]);
    expect(printed.length).toBe(14);
    expect((await runArgv('docker', ['service', 'inspect', `${PROJECT}_a1`, '--format', '{{json .Spec}}'])).stdout).not.toContain(VALUES[1]);
  }, 480_000);

  it('a value the service refuses: Swarm rolls it back, the new version is withdrawn, the previous one stays current', async () => {
    const refused = await swarmWiz(['secret', 'set', 'db_password'], REFUSED);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`the new value of db_password was not kept: the new tasks of ${PROJECT}_a1 failed`);
    expect(refused.stderr).toContain(`Swarm rolled ${PROJECT}_a1 back to ${PROJECT}_db_password_v2. ${PROJECT}_db_password_v3 was removed again, so ${PROJECT}_db_password_v2 stays the current version`);
    expect(refused.stderr).toContain('run swarm-wiz secret set db_password again');
    expect((await docker(['secret', 'ls', '--format', '{{.Name}}'])).trim().split('\n').sort()).toEqual([`${PROJECT}_db_password_v2`]);
    expect(await secretInTask()).toBe(`400 ${VALUES[1]}`);

    // The next apply deploys the version that works: nothing to change, a1 still reads it.
    const again = await apply();
    expect(again.code, again.stdout.slice(-2000) + again.stderr).toBe(0);
    expect(await secretInTask()).toBe(`400 ${VALUES[1]}`);
    const listed = await swarmWiz(['secret', 'ls', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'db_password', version: 2, usedBy: [{ service: `${PROJECT}_a1`, version: 2 }] }]);
    expect(printed.filter((text) => text.includes(REFUSED))).toEqual([]);
  }, 300_000);
});
