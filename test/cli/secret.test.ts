import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import type { Prompter } from '../../src/wizard/prompter.js';
import { testIo } from './test-io.js';

/** The seed example with db_password on service-a and api-key on a1, not deployed. */
async function project(secrets = true): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-secret-'));
  const [first, ...rest] = SEED_EXAMPLE.sites;
  const config = secrets
    ? parseConfig({ ...SEED_EXAMPLE, sites: [{ ...first, service: { ...first!.service, secrets: ['db_password'] }, private: first!.private!.map((svc, i) => (i === 0 ? { ...svc, secrets: ['api-key'] } : svc)) }, ...rest] })
    : parseConfig(SEED_EXAMPLE);
  await writeFile(join(root, 'swarm-wiz.yaml'), configToYaml(config));
  return root;
}

/** Runs the CLI with `stdin` piped in (not a terminal). */
async function withStdin(args: string[], root: string, stdin: string) {
  const test = testIo({ cwd: root });
  (test.io.stdin as unknown as PassThrough).end(stdin);
  const code = await runCli(args, test.io);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

describe('swarm-wiz secret: bad input', () => {
  it('a name no service declares: exit 2 listing the declared ones, before the value is read or anything is reached', async () => {
    const root = await project();
    const run = await withStdin(['secret', 'set', 'db_pasword'], root, 'value-that-must-not-show');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no service in swarm-wiz.yaml declares the secret db_pasword');
    expect(run.stderr).toContain('Declared secrets: db_password, api-key.');
    expect(run.stdout + run.stderr).not.toContain('value-that-must-not-show');
    const none = await withStdin(['secret', 'set', 'db_password'], await project(false), 'x');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("No service declares a secret yet: add it to a service's secrets: list");
  });

  it('an empty value (or only a newline) is refused with exit 2', async () => {
    const root = await project();
    for (const empty of ['', '\n', '\r\n']) {
      const run = await withStdin(['secret', 'set', 'db_password'], root, empty);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('the value is empty');
    }
  });

  it('a project that is not deployed: exit 1 saying to apply first; the value is in no file and no output', async () => {
    const root = await project();
    const run = await withStdin(['secret', 'set', 'api-key'], root, 'sekrit-value-123\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('demo is not deployed');
    expect(run.stderr).toContain('Run swarm-wiz apply first');
    expect(run.stdout + run.stderr).not.toContain('sekrit-value-123');
    const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
    expect(files).toContain(join(root, 'swarm-wiz.yaml'));
    for (const file of files) expect(await readFile(file, 'utf8'), file).not.toContain('sekrit-value-123');
    const listed = await withStdin(['secret', 'ls'], root, '');
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('demo is not deployed');
  });

  it('on a terminal: a masked prompt asked twice, again when the two differ; the value never shown', async () => {
    const root = await project();
    const answers = ['typed-once-AAA', 'typed-twice-BBB', 'matching-CCC', 'matching-CCC'];
    const asked: string[] = [];
    const prompter: Prompter = {
      password: async (question) => {
        asked.push(question.message);
        return answers.shift()!;
      },
      input: () => Promise.reject(new Error('not asked')),
      select: () => Promise.reject(new Error('not asked')),
      confirm: () => Promise.reject(new Error('not asked')),
    };
    const test = testIo({ cwd: root, isTTY: true, prompter });
    expect(await runCli(['secret', 'set', 'db_password'], test.io)).toBe(1);
    expect(asked).toEqual(['Value of db_password', 'Value of db_password again', 'Value of db_password', 'Value of db_password again']);
    expect(test.stderr()).toContain('The two values differ; type it again.');
    expect(test.stderr()).toContain('demo is not deployed');
    for (const value of ['typed-once-AAA', 'typed-twice-BBB', 'matching-CCC']) expect(test.stdout() + test.stderr()).not.toContain(value);
  });

  it('--target takes only local', async () => {
    const run = await withStdin(['secret', 'set', 'db_password', '--target', 'digitalocean'], await project(), 'x');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--target: "digitalocean" is not a target (local');
  });
});
