import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/app/errors.js';
import { renew } from '../../src/app/renew.js';
import type { RunIo } from '../../src/app/run-io.js';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { saveState, emptyState } from '../../src/state/index.js';
import { filesUnder, tempDir } from '../support/files.js';

// renew chooses by the state: these are the refusals it makes before it reaches any CA or node.
const io: RunIo = {
  live: () => {
    throw new Error('a refused renew runs no engine');
  },
  warn: () => undefined,
};

async function project(target?: 'local' | 'digitalocean') {
  const dir = await tempDir('app-renew');
  const configPath = join(dir, 'swarm-wiz.yaml');
  await writeFile(configPath, configToYaml(parseConfig(SEED_EXAMPLE)));
  if (target) await saveState(dir, { ...emptyState('demo'), target });
  return { dir, configPath };
}

describe('renew(request, io) refuses before anything runs', () => {
  it('a --domain that is no site: UsageError naming it and the sites there are', async () => {
    const { dir, configPath } = await project();
    const before = await filesUnder(dir);
    const error = await renew({ configPath, dir, force: false, only: ['nope.com'], credentials: { env: {} } }, io).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`--domain "nope.com": not a site in ${configPath} (sites: a.com, b.com, c.com)`);
    expect(await filesUnder(dir)).toEqual(before);
  });

  it.each(['local', 'digitalocean'] as const)('--domain on a project deployed to %s: UsageError (the engine renews what is due)', async (target) => {
    const { dir, configPath } = await project(target);
    const error = await renew({ configPath, dir, force: false, only: ['a.com'], credentials: { env: {} } }, io).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`--domain is not supported yet for a project swarm-wiz deployed (${target})`);
  });

  it('an --entry that is no address: UsageError naming it', async () => {
    const { dir, configPath } = await project();
    const error = await renew({ configPath, dir, force: false, entries: ['not-an-ip'], credentials: { env: {} } }, io).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('--entry');
  });
});
