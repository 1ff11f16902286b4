import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { testIo } from './test-io.js';

describe('a huge value on the command line', () => {
  it('plan --operator-ip of 10 000 characters: exit 2 repeating only its first 60 and its length', async () => {
    const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-echo-'));
    await writeFile(join(root, 'swarm-wiz.yaml'), configToYaml(parseConfig(SEED_EXAMPLE)));
    const { io, stderr } = testIo({ cwd: root });
    expect(await runCli(['plan', '--operator-ip', '9'.repeat(10_000)], io)).toBe(2);
    expect(stderr()).toContain(`--operator-ip "${'9'.repeat(60)}"… (10000 characters) is not an IP address`);
    expect(stderr().length).toBeLessThan(300);
  });
});
