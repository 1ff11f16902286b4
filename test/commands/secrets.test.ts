import { describe, expect, it } from 'vitest';
import {
  newestVersions,
  parseCreatedAt,
  parseSecretVersions,
  parseServiceSecrets,
  redact,
  secretCreate,
  secretRemove,
  secretVersions,
  serviceSecrets,
  serviceSwapSecret,
} from '../../src/commands/index.js';

describe('app secrets as argv data', () => {
  it('secret create: labelled, versioned, the value on stdin only and marked secret', () => {
    const value = Buffer.from('hunter2-is-not-a-password\n');
    const create = secretCreate('demo', 'db_password', 3, value);
    expect(create.argv).toEqual([
      'docker', 'secret', 'create',
      '--label', 'swarm-wiz.project=demo', '--label', 'swarm-wiz.secret=db_password', '--label', 'swarm-wiz.version=3',
      'demo_db_password_v3', '-',
    ]);
    expect(create.stdin).toBe(value);
    expect(create.argv.join(' ')).not.toContain('hunter2');
    expect(create.description).not.toContain('hunter2');
    expect(redact('echoed: hunter2-is-not-a-password by a failing command', create.secrets)).toBe('echoed: *** by a failing command');
  });

  it('lists versions by label and picks the newest numerically (v10 after v9)', () => {
    expect(secretVersions('demo').argv).toEqual(['docker', 'secret', 'ls', '--filter', 'label=swarm-wiz.project=demo', '--format', '{{.Label "swarm-wiz.secret"}} {{.Label "swarm-wiz.version"}} {{.Name}}']);
    const versions = parseSecretVersions('db_password 9 demo_db_password_v9\ndb_password 10 demo_db_password_v10\napi-key 1 demo_api-key_v1\n  1 stray_secret_without_labels\n\n');
    expect(versions).toEqual([
      { name: 'db_password', version: 9, swarmName: 'demo_db_password_v9' },
      { name: 'db_password', version: 10, swarmName: 'demo_db_password_v10' },
      { name: 'api-key', version: 1, swarmName: 'demo_api-key_v1' },
    ]);
    expect([...newestVersions(versions)].map(([name, v]) => `${name}=${v.swarmName}`)).toEqual(['db_password=demo_db_password_v10', 'api-key=demo_api-key_v1']);
  });

  it('a service moves from one version to the next as one detached rolling update, mounted 0400 at its name', () => {
    expect(serviceSwapSecret('demo_a1', 'demo_db_password_v1', 'demo_db_password_v2', 'db_password').argv).toEqual([
      'docker', 'service', 'update', '--detach', '--secret-rm', 'demo_db_password_v1', '--secret-add', 'source=demo_db_password_v2,target=db_password,mode=0400', 'demo_a1',
    ]);
    expect(secretRemove('demo_db_password_v1').argv).toEqual(['docker', 'secret', 'rm', 'demo_db_password_v1']);
    expect(serviceSecrets(['demo_a1', 'demo_proxy']).argv.slice(-2)).toEqual(['demo_a1', 'demo_proxy']);
  });

  it('reads which secrets each service mounts, and when each secret was created', () => {
    const spec = 'demo_a1\t[{"File":{"Name":"db_password","UID":"0","GID":"0","Mode":256},"SecretID":"x","SecretName":"demo_db_password_v2"}]\ndemo_proxy\tnull\n';
    expect([...parseServiceSecrets(spec)]).toEqual([
      ['demo_a1', [{ swarmName: 'demo_db_password_v2', target: 'db_password' }]],
      ['demo_proxy', []],
    ]);
    expect([...parseCreatedAt('demo_db_password_v2\t2026-11-30 19:14:01.5 +0000 UTC\n')]).toEqual([['demo_db_password_v2', '2026-11-30 19:14:01.5 +0000 UTC']]);
  });
});
