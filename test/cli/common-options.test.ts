import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { testIo } from './test-io.js';

describe('--dir', () => {
  it.each([
    ['apply', ['apply', '--config', 'swarm-wiz.yaml', '--yes']],
    ['apply with a token', ['apply', '--config', 'swarm-wiz.yaml', '--yes']],
    ['apply --example', ['apply', '--example']],
    ['plan', ['plan', '--config', 'swarm-wiz.yaml']],
    ['destroy', ['destroy', '--config', 'swarm-wiz.yaml', '--confirm', 'demo']],
    ['certs', ['certs', '--config', 'swarm-wiz.yaml', '--no-probe']],
    ['renew', ['renew', '--config', 'swarm-wiz.yaml']],
  ])('%s: a --dir that is a file is a usage error (exit 2) saying so; nothing is read or written', async (name, args) => {
    const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-dir-'));
    await writeFile(join(root, 'swarm-wiz.yaml'), configToYaml(parseConfig(SEED_EXAMPLE)));
    await writeFile(join(root, 'notes.txt'), 'a file\n');
    const env: Record<string, string> = name.includes('token') ? { DIGITALOCEAN_TOKEN: 'dop_v1_unused', DIGITALOCEAN_API_URL: 'http://127.0.0.1:9' } : {};
    const { io, stdout, stderr } = testIo({ cwd: root, env });
    expect(await runCli([...args, '--dir', 'notes.txt'], io)).toBe(2);
    expect(stderr()).toBe(`--dir notes.txt is a file, not a folder: give the folder for the generated files and .swarm-wiz/\n`);
    expect(stdout()).toBe('');
    expect(await readFile(join(root, 'notes.txt'), 'utf8')).toBe('a file\n');
  });
});
