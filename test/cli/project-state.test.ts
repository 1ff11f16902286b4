import { chmod, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { emptyState, saveState, statePath } from '../../src/state/index.js';
import { testIo } from './test-io.js';

describe('a world-readable .swarm-wiz/state.json', () => {
  it.each([
    ['plan', ['plan']],
    ['apply (plan-only)', ['apply', '--yes']],
    ['destroy', ['destroy', '--confirm', 'demo']],
  ])('%s: made 0600, with one warning on stderr', async (_, args) => {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-state-mode-'));
    await writeFile(join(dir, 'swarm-wiz.yaml'), configToYaml(parseConfig(SEED_EXAMPLE)));
    await saveState(dir, emptyState('demo'));
    await chmod(statePath(dir), 0o644);
    const { io, stderr } = testIo({ cwd: dir });
    await runCli(args, io);
    expect(stderr().split('\n').filter((line) => line.includes('could be read by other users'))).toEqual([
      `warning: ${statePath(dir)} could be read by other users (mode 0644); swarm-wiz made it 0600. It may hold the swarm's join tokens: if someone else may have read it, rotate them (docker swarm join-token --rotate worker, and manager).`,
    ]);
    expect((await stat(statePath(dir))).mode & 0o777).toBe(0o600);
  });
});
