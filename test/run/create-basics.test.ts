import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sshKeyPath } from '../../src/adapters/ssh-key.js';
import { runApply } from '../../src/app/index.js';
import { StepFailed } from '../../src/run/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { FAST, projectDir, seedConfig } from '../e2e/provision-helpers.js';

let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 20 });
});
afterEach(async () => {
  await fake.stop();
});

describe('the ssh-key step', () => {
  it('a damaged private key: fails naming the file and saying to restore it (not "run apply again"); nothing is uploaded or created', async () => {
    const dir = await projectDir();
    await mkdir(join(dir, '.swarm-wiz', 'ssh'), { recursive: true, mode: 0o700 });
    await writeFile(sshKeyPath(dir), '', { mode: 0o600 });
    const error = await runApply({ config: seedConfig(), dir, token: fake.token, apiUrl: fake.url, timing: FAST }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepFailed);
    const { stepId, reason } = error as StepFailed;
    expect(stepId).toMatch(/^ssh-key:/);
    expect(reason.message).toContain(`${sshKeyPath(dir)} cannot be used as swarm-wiz's SSH key: it is empty or damaged (ssh-keygen: `);
    expect(reason.hint).toMatch(/^Restore \.swarm-wiz\/ssh\/ from a backup/);
    expect(fake.state.sshKeys).toEqual([]);
    expect(fake.state.droplets).toEqual([]);
  }, 30_000);
});
