import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { testIo } from './test-io.js';

async function project(): Promise<{ root: string; text: string }> {
  const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-deploy-'));
  const text = configToYaml(parseConfig(SEED_EXAMPLE));
  await writeFile(join(root, 'swarm-wiz.yaml'), text);
  return { root, text };
}

describe('swarm-wiz deploy SERVICE --image REF: bad input', () => {
  it('an unknown service: exit 2 naming the services there are; the config untouched', async () => {
    const { root, text } = await project();
    const { io, stderr } = testIo({ cwd: root });
    expect(await runCli(['deploy', 'nope', '--image', 'ghcr.io/me/a:2'], io)).toBe(2);
    expect(stderr()).toContain('no service nope in swarm-wiz.yaml');
    expect(stderr()).toContain(`Services: ${parseConfig(SEED_EXAMPLE).sites.flatMap((s) => [s.service.name, ...s.private.map((p) => p.name)]).join(', ')}.`);
    expect(await readFile(join(root, 'swarm-wiz.yaml'), 'utf8')).toBe(text);
  });

  it('an image that is not an image reference: exit 2 naming the field, before anything is reached', async () => {
    const { root } = await project();
    const { io, stderr } = testIo({ cwd: root });
    const service = parseConfig(SEED_EXAMPLE).sites[0]!.service.name;
    expect(await runCli(['deploy', service, '--image', 'Not An Image'], io)).toBe(2);
    expect(stderr()).toMatch(/--image: .*"Not An Image" is not a Docker image reference/);
  });

  it('a project that is not deployed: exit 1 saying to apply first', async () => {
    const { root } = await project();
    const { io, stderr } = testIo({ cwd: root });
    expect(await runCli(['deploy', parseConfig(SEED_EXAMPLE).sites[0]!.service.name, '--image', 'ghcr.io/me/a:2'], io)).toBe(1);
    expect(stderr()).toContain('demo is not deployed');
    expect(stderr()).toContain('Run swarm-wiz apply first');
  });
});
