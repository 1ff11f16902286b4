import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE, type ConfigInput } from '../../src/config/index.js';
import { issuesOf } from './issues.js';

/** The seed example with `secrets` on the first site's service and on its first private service. */
function withSecrets(service: unknown, privateService: unknown = undefined, project = SEED_EXAMPLE.project): ConfigInput {
  const copy = structuredClone(SEED_EXAMPLE) as unknown as Omit<ConfigInput, 'sites'> & { sites: { service: Record<string, unknown>; private?: Record<string, unknown>[] }[] };
  copy.project = project;
  if (service !== undefined) copy.sites[0]!.service.secrets = service;
  if (privateService !== undefined) copy.sites[0]!.private![0]!.secrets = privateService;
  return copy as unknown as ConfigInput;
}


describe('secrets: on a service, names of Swarm secrets (values never in the file)', () => {
  it('takes lower-case names with digits, _ and -, on public and private services; one name may serve several services', () => {
    const config = parseConfig(withSecrets(['a-db-password', 'api_key2'], ['a-db-password']));
    expect(config.sites[0]!.service.secrets).toEqual(['a-db-password', 'api_key2']);
    expect(config.sites[0]!.private[0]!.secrets).toEqual(['a-db-password']);
    expect(parseConfig(SEED_EXAMPLE).sites[0]!.service.secrets).toBeUndefined();
    expect(parseConfig(withSecrets([`s${'x'.repeat(50)}`])).sites[0]!.service.secrets).toHaveLength(1);
  });

  it('names the path and what a valid name is', () => {
    const invalid = 'is not a secret name (a lower-case letter first, then lower-case letters, digits, \'_\' and \'-\'; at most 64 characters)';
    expect(issuesOf(withSecrets(['DB_PASSWORD']))).toEqual([`sites[0].service.secrets[0]: "DB_PASSWORD" ${invalid}`]);
    expect(issuesOf(withSecrets(undefined, ['ok', '1st']))).toEqual([`sites[0].private[0].secrets[1]: "1st" ${invalid}`]);
    expect(issuesOf(withSecrets(['db.password']))).toEqual([`sites[0].service.secrets[0]: "db.password" ${invalid}`]);
    expect(issuesOf(withSecrets(['../etc/passwd']))[0]).toContain('is not a secret name');
    const tooLong = issuesOf(withSecrets([`s${'x'.repeat(64)}`]));
    expect(tooLong).toHaveLength(1);
    expect(tooLong[0]).toMatch(/^sites\[0\]\.service\.secrets\[0\]: .* is not a secret name .*at most 64 characters\)$/);
    expect(issuesOf(withSecrets('db_password'))).toEqual(['sites[0].service.secrets: "db_password" is not a list of secret names like [db_password]']);
  });

  it('refuses a name listed twice in one service, two spellings of one variable, and a name too long with the project', () => {
    expect(issuesOf(withSecrets(['a', 'b', 'a']))).toEqual(['sites[0].service.secrets[2]: "a" is listed twice in service-a; each secret once']);
    expect(issuesOf(withSecrets(['db-password'], ['db_password']))).toEqual([`sites[0].private[0].secrets[0]: "db_password" and "db-password" differ only in '-' and '_'; use one spelling for one secret`]);
    const long = `s${'x'.repeat(40)}`;
    expect(issuesOf(withSecrets([long], undefined, 'p'.repeat(20)))).toEqual([
      `sites[0].service.secrets[0]: "${long}" is too long with the project name: its Swarm secrets are named ${'p'.repeat(20)}_${long}_v<N>, and Swarm allows at most 64 characters (project and secret name together at most 55)`,
    ]);
  });
});
