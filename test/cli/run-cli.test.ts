import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { scriptedPrompter } from '../wizard/scripted-prompter.js';
import { testIo } from './test-io.js';

describe('an unknown command', () => {
  it.each([
    ['without a terminal', false, ['foo']],
    ['on a terminal (nothing is asked)', true, ['foo']],
    ['with options after it', false, ['foo', '--dir', 'out', '--yes']],
    ['a typo of a command', false, ['aply']],
  ])('%s: exit 2 saying unknown command and listing the commands', async (_, isTTY, args) => {
    const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-cli-'));
    const { io, stdout, stderr } = testIo({ cwd: root, isTTY, prompter: scriptedPrompter([]).prompter });
    expect(await runCli(args, io)).toBe(2);
    const lines = stderr().split('\n');
    expect(lines[0]).toBe(`unknown command '${args[0]}'`);
    expect(stderr()).toMatch(/^Commands: wizard, apply, add-domain, plan, destroy, renew, deploy, status, logs, secret, alerts, backup, restore, certs$/m);
    expect(stderr()).toContain('swarm-wiz --help');
    expect(stderr()).not.toContain('too many arguments');
    expect(stdout()).toBe('');
    expect(await readdir(root)).toEqual([]);
  });
});
