import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { INVALID_CONFIGS } from './invalid-configs.js';
import { testIo } from './test-io.js';

async function projectWith(yaml: string) {
  const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-invalid-'));
  const configPath = join(root, 'swarm-wiz.yaml');
  await writeFile(configPath, yaml);
  return { root, configPath, out: join(root, 'out') };
}

describe('apply refuses an invalid swarm-wiz.yaml', () => {
  it('has at least 25 cases', () => {
    expect(INVALID_CONFIGS.length).toBeGreaterThanOrEqual(25);
  });

  for (const { name, yaml, path } of INVALID_CONFIGS) {
    it(`${name}: names ${path}, exits 2, writes nothing`, async () => {
      const { root, configPath, out } = await projectWith(yaml);
      const { io, stdout, stderr } = testIo({ cwd: root });
      const code = await runCli(['apply', '--config', configPath, '--dir', out, '--yes'], io);
      expect(code).toBe(2);
      expect(stderr()).toContain(`${configPath} is not valid:`);
      expect(stderr()).toMatch(new RegExp(`^  ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\S`, 'm'));
      expect(stderr()).toContain('Nothing was written.');
      expect(stdout()).toBe('');
      expect(await readdir(root)).toEqual(['swarm-wiz.yaml']);
    });
  }
});

describe('the real process', () => {
  const picked = ['port 70000', 'an unknown key inside a service', 'a YAML syntax error'];
  for (const name of picked) {
    const invalid = INVALID_CONFIGS.find((c) => c.name === name)!;
    it(`npx tsx src/cli/main.ts apply with ${name} exits 2 naming ${invalid.path}`, async () => {
      const { root, configPath, out } = await projectWith(invalid.yaml);
      const result = await execa('npx', ['tsx', 'src/cli/main.ts', 'apply', '--config', configPath, '--dir', out, '--yes'], {
        cwd: join(import.meta.dirname, '../..'),
        reject: false,
        stdin: 'ignore',
        env: { DIGITALOCEAN_TOKEN: '' },
      });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`  ${invalid.path}: `);
      expect(await readdir(root)).toEqual(['swarm-wiz.yaml']);
    });
  }
});
