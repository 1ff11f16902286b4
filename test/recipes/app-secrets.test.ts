import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderProjectFiles } from '../../recipes/index.js';
import { renderCompose } from '../../recipes/compose.js';
import { renderDeployStackScript } from '../../recipes/scripts.js';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { requireDockerStackConfig, requireShellcheck, runArgv } from '../peers/tools.js';
import { writeProject } from './fixtures.js';

/** The seed with a secret shared by service-a and a1, and one more on a1. */
function withSecrets(delivery: 'files' | 'secrets' = 'files'): Config {
  const [first, ...rest] = SEED_EXAMPLE.sites;
  return parseConfig({
    ...SEED_EXAMPLE,
    certificates: { ...SEED_EXAMPLE.certificates, delivery },
    sites: [{ ...first, service: { ...first!.service, secrets: ['a-db-password'] }, private: [{ ...first!.private![0]!, secrets: ['a-db-password', 'api_key'] }, ...first!.private!.slice(1)] }, ...rest],
  });
}

type Compose = { services: Record<string, { secrets?: unknown[] }>; secrets?: Record<string, { name: string; external?: boolean; file?: string }> };
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const PATH = process.env.PATH ?? '/usr/bin:/bin';

describe('services with secrets: compose and deploy_stack.sh', () => {
  beforeAll(() => {
    requireDockerStackConfig();
    requireShellcheck();
  });

  it('each service mounts its secrets 0400 at /run/secrets/<name>; each is external, named by SWARM_WIZ_SECRET_<NAME>', async () => {
    for (const delivery of ['files', 'secrets'] as const) {
      const config = withSecrets(delivery);
      const dir = writeProject(renderProjectFiles(config));
      dirs.push(dir);
      const env = { SWARM_WIZ_SUPPORT_IP: '10.110.0.5', SWARM_WIZ_CONFIG_VERSION: 'c', SWARM_WIZ_CERTS_VERSION_1: '1', SWARM_WIZ_CERTS_VERSION_2: '2', SWARM_WIZ_CERTS_VERSION_3: '3', SWARM_WIZ_SECRET_A_DB_PASSWORD: 'demo_a-db-password_v2', SWARM_WIZ_SECRET_API_KEY: 'demo_api_key_v1' };
      const result = await runArgv('docker', ['stack', 'config', '-c', join(dir, 'docker-compose.yml')], { cwd: dir, env: { PATH, HOME: '/root', ...env } });
      expect(result.stderr).toBe('');
      const final = YAML.parse(result.stdout) as Compose;
      expect(final.services['service-a']!.secrets).toEqual([{ source: 'a-db-password', target: 'a-db-password', mode: 256 }]);
      expect(final.services.a1!.secrets).toEqual([{ source: 'a-db-password', target: 'a-db-password', mode: 256 }, { source: 'api_key', target: 'api_key', mode: 256 }]);
      expect(final.services.a2!.secrets).toBeUndefined();
      expect(final.secrets?.['a-db-password']).toEqual({ name: 'demo_a-db-password_v2', external: true });
      expect(final.secrets?.api_key).toEqual({ name: 'demo_api_key_v1', external: true });
      // delivery: secrets keeps the proxy's certificate secrets beside them.
      expect(Object.keys(final.secrets ?? {}).length).toBe(delivery === 'secrets' ? 2 + 2 * config.sites.length : 2);

      const unset = await runArgv('docker', ['stack', 'config', '-c', join(dir, 'docker-compose.yml')], { cwd: dir, env: { PATH, HOME: '/root', ...env, SWARM_WIZ_SECRET_API_KEY: '' } });
      expect(unset.code).not.toBe(0);
      expect(unset.stderr).toContain('set SWARM_WIZ_SECRET_API_KEY to the newest version of this secret (deploy_stack.sh does)');
    }
  });

  it('a project without secrets has no secrets anywhere (the golden files cover the rest)', () => {
    const compose = YAML.parse(renderCompose(parseConfig(SEED_EXAMPLE))) as Compose;
    expect(compose.secrets).toBeUndefined();
    expect(Object.entries(compose.services).filter(([, service]) => service.secrets !== undefined).map(([name]) => name)).toEqual([]);
    expect(renderDeployStackScript(parseConfig(SEED_EXAMPLE))).not.toContain('SWARM_WIZ_SECRET');
  });

  it('deploy_stack.sh picks the newest version of each (v10 after v9) and stops naming a secret never set', async () => {
    const script = renderDeployStackScript(withSecrets());
    const dir = writeProject([{ path: 'support/deploy_stack.sh', content: script, mode: 0o755, description: 'deploy' }]);
    dirs.push(dir);
    const check = await runArgv('shellcheck', ['--severity=style', join(dir, 'support/deploy_stack.sh')]);
    expect(check.stdout).toBe('');
    expect(script).toContain(`secrets=$(docker secret ls --filter label=swarm-wiz.project=demo --format '{{.Label "swarm-wiz.secret"}} {{.Label "swarm-wiz.version"}} {{.Name}}')`);
    // The script's own lines, from `newest_secret` to the export, with the listing given as data (sh, awk, sort: the real ones).
    const lines = script.split('\n');
    const from = lines.findIndex((line) => line.startsWith('newest_secret() {'));
    const to = lines.findIndex((line) => line.startsWith('export SWARM_WIZ_SECRET_'));
    const resolve = ['set -eu', ...lines.slice(from, to + 1), 'env | grep ^SWARM_WIZ_SECRET_ | sort'].join('\n');
    const listing = 'a-db-password 9 demo_a-db-password_v9\na-db-password 10 demo_a-db-password_v10\napi_key 1 demo_api_key_v1\na-db-password 2 demo_a-db-password_v2';
    const both = await runArgv('sh', ['-c', resolve], { env: { PATH, secrets: listing } });
    expect(both.stdout.trim().split('\n')).toEqual(['SWARM_WIZ_SECRET_API_KEY=demo_api_key_v1', 'SWARM_WIZ_SECRET_A_DB_PASSWORD=demo_a-db-password_v10']);
    const missing = await runArgv('sh', ['-c', resolve], { env: { PATH, secrets: 'a-db-password 1 demo_a-db-password_v1' } });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('secret api_key is not set: run swarm-wiz secret set api_key');
    // A value given by hand wins, like every other SWARM_WIZ_* value.
    const given = await runArgv('sh', ['-c', resolve], { env: { PATH, secrets: '', SWARM_WIZ_SECRET_A_DB_PASSWORD: 'x_v1', SWARM_WIZ_SECRET_API_KEY: 'y_v1' } });
    expect(given.stdout.trim().split('\n')).toEqual(['SWARM_WIZ_SECRET_API_KEY=y_v1', 'SWARM_WIZ_SECRET_A_DB_PASSWORD=x_v1']);
  });
});
