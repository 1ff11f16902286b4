import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apply, type ApplyIo, type ApplyRequest } from '../../src/app/apply.js';
import { Cancelled, UsageError } from '../../src/app/errors.js';
import { writeProjectFiles } from '../../src/app/file-writes.js';
import { chooseOnEdit } from '../../src/app/project-files.js';
import type { ProjectPreview } from '../../src/app/project-preview.js';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { filesUnder, tempDir } from '../support/files.js';

// The apply use case itself, in process: what it asks its io, what it writes, and how it ends. The CLI's
// text and the cloud half are covered by test/cli and test/e2e.

async function projectDir(): Promise<{ dir: string; configPath: string }> {
  const dir = await tempDir('app-apply');
  const configPath = join(dir, 'swarm-wiz.yaml');
  await writeFile(configPath, configToYaml(parseConfig(SEED_EXAMPLE)));
  return { dir, configPath };
}

function request(dir: string, configPath: string, more: Partial<ApplyRequest> = {}): ApplyRequest {
  return { config: { from: 'file', path: configPath }, dir, target: 'plan-only', cloudOnly: false, credentials: { env: {} }, ...more };
}

/** An io that decides with `decide`, writes files without showing them, and records what it was told. */
function recordingIo(decide: ApplyIo['decideEdits'] = (preview, flag) => chooseOnEdit(preview.inspection, flag ? { flag } : {})) {
  const told = { previews: [] as ProjectPreview[], saved: [] as string[], warnings: [] as string[], runs: 0 };
  const io: ApplyIo = {
    live: () => {
      told.runs += 1;
      throw new Error('plan-only apply runs no engine');
    },
    warn: (line) => told.warnings.push(line),
    note: (line) => told.warnings.push(line),
    decideEdits: (preview, flag) => {
      told.previews.push(preview);
      return decide(preview, flag);
    },
    files: { write: (dir, files) => writeProjectFiles(dir, files), wrote: () => undefined, savedConfig: (path) => told.saved.push(path) },
  };
  return { io, told };
}

describe('apply(request, io), plan-only', () => {
  it('previews once, writes every generated file and records them, and returns the preview and what was written', async () => {
    const { dir, configPath } = await projectDir();
    const { io, told } = recordingIo();
    const outcome = await apply(request(dir, configPath), io);

    expect(outcome.target).toBe('plan-only');
    expect(told.previews).toHaveLength(1);
    expect(told.previews[0]!.planOnly).toBe(true);
    expect(told.runs).toBe(0);
    const generated = outcome.preview.files.map((file) => file.path).sort();
    expect(outcome.files.written.sort()).toEqual(generated);
    expect(outcome.files.failed).toEqual([]);
    const onDisk = await filesUnder(dir);
    expect(generated.filter((path) => !onDisk.includes(path))).toEqual([]);
    expect(onDisk).toContain(join('.swarm-wiz', 'files.json'));
    expect(told.saved).toEqual([]);
  });

  it('writes nothing when io says no (Cancelled)', async () => {
    const { dir, configPath } = await projectDir();
    const { io } = recordingIo(() => Promise.reject(new Cancelled()));
    await expect(apply(request(dir, configPath), io)).rejects.toBeInstanceOf(Cancelled);
    expect(await filesUnder(dir)).toEqual(['swarm-wiz.yaml']);
  });

  it('a file edited by hand with the choice stop: UsageError naming it, and no file is written', async () => {
    const { dir, configPath } = await projectDir();
    await apply(request(dir, configPath), recordingIo().io);
    const compose = join(dir, 'docker-compose.yml');
    await writeFile(compose, `${await readFile(compose, 'utf8')}# mine\n`);
    await writeFile(configPath, configToYaml(parseConfig({ ...SEED_EXAMPLE, project: 'renamed' })));
    const before = await readFile(join(dir, 'proxy', 'nginx.conf'), 'utf8');

    const error = await apply(request(dir, configPath), recordingIo().io).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('docker-compose.yml');
    expect(await readFile(compose, 'utf8')).toMatch(/# mine\n$/);
    expect(await readFile(join(dir, 'proxy', 'nginx.conf'), 'utf8')).toBe(before);
  });

  it('the example is saved to its path, and refused (UsageError) where another project is', async () => {
    const dir = await tempDir('app-apply-example');
    const path = join(dir, 'swarm-wiz.yaml');
    const { io, told } = recordingIo();
    const outcome = await apply({ ...request(dir, path), config: { from: 'example', path } }, io);
    expect(outcome.savedConfig).toBe(path);
    expect(told.saved).toEqual([path]);
    expect(await readFile(path, 'utf8')).toBe(configToYaml(parseConfig(SEED_EXAMPLE)));

    await writeFile(path, 'project: mine\n');
    await expect(apply({ ...request(dir, path), config: { from: 'example', path } }, recordingIo().io)).rejects.toBeInstanceOf(UsageError);
    expect(await readFile(path, 'utf8')).toBe('project: mine\n');
  });
});
