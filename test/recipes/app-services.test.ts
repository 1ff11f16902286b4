import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderProjectFiles } from '../../recipes/index.js';
import { renderCompose } from '../../recipes/compose.js';
import { configFromYaml, configToYaml, parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { requireDockerStackConfig, runArgv } from '../peers/tools.js';
import { writeProject } from './fixtures.js';

/** The seed's first site with a public service that has replicas, env and a health path, and a private one with a volume. */
function appConfig(overrides: { service?: Record<string, unknown>; privateService?: Record<string, unknown> } = {}): Config {
  const [first, ...rest] = SEED_EXAMPLE.sites;
  return parseConfig({
    ...SEED_EXAMPLE,
    sites: [
      {
        ...first,
        service: { ...first!.service, replicas: 2, health: '/up', env: { RAILS_ENV: 'production', PRICE: '$5 ${NOT_INTERPOLATED}', WORKERS: 4, DEBUG: false }, ...overrides.service },
        private: [{ name: 'a-db', image: 'postgres:16', port: 5432, env: { PGDATA: '/var/lib/postgresql/data/pg' }, volumes: ['a-db-data:/var/lib/postgresql/data'], ...overrides.privateService }],
      },
      ...rest,
    ],
  });
}

type Service = { image: string; environment?: Record<string, string>; volumes?: unknown[]; healthcheck?: { test: string[] }; deploy: { replicas: number; placement?: { constraints: string[] }; update_config: { order: string }; rollback_config: { order: string } } };

describe('app services: replicas, env, health, volumes', () => {
  const dirs: string[] = [];
  beforeAll(() => requireDockerStackConfig());
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('renders them, and docker stack config accepts the file with every value as written (a $ stays a $)', async () => {
    const config = appConfig();
    const dir = writeProject(renderProjectFiles(config));
    dirs.push(dir);
    const env = { SWARM_WIZ_SUPPORT_IP: '10.110.0.5', NOT_INTERPOLATED: 'leaked' };
    const result = await runArgv('docker', ['stack', 'config', '-c', join(dir, 'docker-compose.yml')], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', ...env } });
    expect(result.stderr).toBe('');
    const final = YAML.parse(result.stdout) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
    const web = final.services[config.sites[0]!.service.name]!;
    expect(web.deploy.replicas).toBe(2);
    expect(web.environment).toEqual({ RAILS_ENV: 'production', PRICE: '$5 ${NOT_INTERPOLATED}', WORKERS: '4', DEBUG: 'false' });
    expect(web.healthcheck?.test).toEqual(['CMD-SHELL', `wget -q -O /dev/null 'http://127.0.0.1:${config.sites[0]!.service.port}/up' || curl -fsS -o /dev/null 'http://127.0.0.1:${config.sites[0]!.service.port}/up'`]);
    expect(web.deploy.update_config.order).toBe('start-first');
    expect(web.volumes).toBeUndefined();

    const db = final.services['a-db']!;
    expect(db.deploy.replicas).toBe(1);
    expect(db.deploy.placement?.constraints).toEqual(['node.labels.swarm-wiz.data.a-db == true']);
    expect(db.deploy.update_config.order).toBe('stop-first');
    expect(db.deploy.rollback_config.order).toBe('stop-first');
    expect(db.volumes).toEqual([{ type: 'volume', source: 'a-db-data', target: '/var/lib/postgresql/data' }]);
    expect(Object.keys(final.volumes ?? {})).toEqual(['a-db-data']);
    expect(db.healthcheck).toBeUndefined();
  });

  it('env names that Object.prototype also has (constructor, toString, hasOwnProperty) reach the stack like any other, from the YAML file', async () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf'];
    const text = configToYaml(appConfig()).replace(/^( *)RAILS_ENV: production$/m, (_line, indent: string) => names.map((name) => `${indent}${name}: ${name}-value`).join('\n'));
    const config = configFromYaml(text);
    const dir = writeProject(renderProjectFiles(config));
    dirs.push(dir);
    const result = await runArgv('docker', ['stack', 'config', '-c', join(dir, 'docker-compose.yml')], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', SWARM_WIZ_SUPPORT_IP: '10.110.0.5' } });
    expect(result.stderr).toBe('');
    const web = (YAML.parse(result.stdout) as { services: Record<string, Service> }).services[config.sites[0]!.service.name]!;
    for (const name of names) expect(web.environment?.[name], name).toBe(`${name}-value`);
  });

  it('a command health check reaches the stack word for word: CMD form, a $ stays a $ (docker stack config)', async () => {
    const words = ['sh', '-c', 'pg_isready -U "$POSTGRES_USER" && test "${PGDATA:-x}" != x'];
    const config = appConfig({ privateService: { health: { cmd: words } } });
    const dir = writeProject(renderProjectFiles(config));
    dirs.push(dir);
    const result = await runArgv('docker', ['stack', 'config', '-c', join(dir, 'docker-compose.yml')], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', SWARM_WIZ_SUPPORT_IP: '10.110.0.5', POSTGRES_USER: 'leaked', PGDATA: 'leaked' } });
    expect(result.stderr).toBe('');
    const db = (YAML.parse(result.stdout) as { services: Record<string, Service & { healthcheck?: { start_period?: string } }> }).services['a-db']!;
    expect(db.healthcheck?.test).toEqual(['CMD', ...words]);
    expect(db.healthcheck?.start_period).toBe('1m0s');
  });

  it('a project without these keys renders as before (no environment, no volumes, one replica)', () => {
    const compose = YAML.parse(renderCompose(parseConfig(SEED_EXAMPLE))) as { services: Record<string, Service>; volumes?: unknown };
    expect(compose.volumes).toBeUndefined();
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'proxy') continue;
      expect(service.deploy.replicas).toBe(1);
      expect(service.environment).toBeUndefined();
      expect(service.healthcheck).toBeUndefined();
    }
  });

  it('names each bad value with its path and what would be valid', () => {
    const issues = (overrides: Parameters<typeof appConfig>[0]) => {
      try {
        appConfig(overrides);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(issues({ service: { replicas: -1 } })).toMatch(/sites\[0\]\.service\.replicas: -1 is not a number of replicas \(0–100\)/);
    expect(issues({ service: { replicas: 1.5 } })).toMatch(/replicas: 1\.5 is not a whole number of replicas/);
    expect(issues({ service: { health: 'up' } })).toMatch(/sites\[0\]\.service\.health: "up" is not an HTTP path \(it starts with \//);
    expect(issues({ service: { health: "/up' ; rm -rf /" } })).toMatch(/health: .* is not an HTTP path/);
    expect(issues({ service: { env: { '1BAD': 'x' } } })).toMatch(/sites\[0\]\.service\.env.*"1BAD" is not an environment variable name/);
    expect(issues({ service: { env: { A: { nested: true } } } })).toMatch(/sites\[0\]\.service\.env\.A: .* is not a plain value/);
    expect(issues({ privateService: { volumes: ['relative:data'] } })).toMatch(/sites\[0\]\.private\[0\]\.volumes\[0\]: "relative:data" is not a named volume \(NAME:\/absolute\/path/);
    expect(issues({ privateService: { replicas: 2 } })).toMatch(/sites\[0\]\.private\[0\]\.replicas: 2 replicas with volumes: a service with volumes runs one task/);
    expect(issues({ privateService: { volumes: ['a:/data', 'b:/data'] } })).toMatch(/volumes\[1\]: "\/data" is mounted twice in a-db/);
  });
});
