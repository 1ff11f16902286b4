import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderProjectFiles } from '../../recipes/index.js';
import { runCli } from '../../src/cli/run-cli.js';
import { parseConfig } from '../../src/config/index.js';
import { sha256Of } from '../../src/plan/index.js';
import { FILE_RECORDS, loadFileRecords } from '../../src/state/index.js';
import { scriptedPrompter } from '../wizard/scripted-prompter.js';
import { testIo } from './test-io.js';

// The project's generated files against what a person did to them, through the CLI in a temp folder:
// plan-only (no token, no cloud, no Docker).

const site = (name: string) => ({ domain: `${name}.example`, service: { name: `svc-${name}`, image: `ghcr.io/acme/${name}:1`, port: 8080 } });
const configWith = (...names: string[]) => ({
  project: 'shop',
  region: 'ams3',
  size: 's-1vcpu-2gb',
  managers: 1,
  workers: 1,
  topology: 'manager',
  sites: names.map(site),
  certificates: { email: 'ops@a.example', ca: 'staging', challenge: 'http-01', delivery: 'files' },
});

// A private key someone pasted into nginx.conf (nginx takes `ssl_certificate_key data:…`).
const KEY_BODY = 'MIGHAgEAMBMGByqGSM48AgEGCCqGSM49AwEHBG0wawIBAQQgThisIsNotARealKeyButSecret';
const KEY = `-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\n`;

async function project(...names: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-edits-'));
  await setConfig(dir, ...names);
  return dir;
}
const setConfig = (dir: string, ...names: string[]) => writeFile(join(dir, 'swarm-wiz.yaml'), YAML.stringify(configWith(...names)));
const rendered = (...names: string[]) => renderProjectFiles(parseConfig(configWith(...names)), {});
const contentOf = (names: string[], path: string) => rendered(...names).find((f) => f.path === path)!.content;

/** Every file under `dir` with its bytes. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return new Map(await Promise.all(files.map(async (path) => [relative(dir, path), (await readFile(path)).toString('base64')] as const)));
}

/** Runs swarm-wiz in `dir`; keeps every byte it printed. */
async function swarmWiz(dir: string, args: string[], printed: string[], options: Partial<Parameters<typeof testIo>[0]> = {}) {
  const { io, stdout, stderr } = testIo({ cwd: dir, ...options });
  const code = await runCli(args, io);
  printed.push(stdout(), stderr());
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('generated files and hand edits (apply / plan, plan-only)', () => {
  it('records, diffs, stops on a hand edit with nothing written, keeps it as .orig when chosen, remembers the choice, never shows a key', async () => {
    const printed: string[] = [];
    const dir = await project('a', 'b');
    const nginx = join(dir, 'proxy', 'nginx.conf');

    // 1. The first apply writes every file and records the sha256 of each.
    expect((await swarmWiz(dir, ['apply', '--yes'], printed)).code).toBe(0);
    const records = await loadFileRecords(dir);
    for (const file of rendered('a', 'b')) expect(records.files[file.path]).toBe(sha256Of(await readFile(join(dir, file.path))));
    expect(records.onEdit).toBeUndefined();

    // 2. A domain more: plan shows nginx.conf as a unified diff, and changes nothing.
    await setConfig(dir, 'a', 'b', 'c');
    const before = await snapshot(dir);
    const plan = await swarmWiz(dir, ['plan'], printed);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^~ change +proxy\/nginx\.conf/m);
    expect(plan.stdout).toContain('    --- a/proxy/nginx.conf\t(on disk)');
    expect(plan.stdout).toContain('    +++ b/proxy/nginx.conf\t(new)');
    expect(plan.stdout).toMatch(/^ {4}\+ +server_name c\.example;$/m);
    expect(plan.stdout).toMatch(/^ {2}same +support\/crontab/m);
    const json = JSON.parse((await swarmWiz(dir, ['plan', '--json'], printed)).stdout) as { files: { path: string; status: string; diff?: string }[] };
    const nginxJson = json.files.find((f) => f.path === 'proxy/nginx.conf');
    expect(nginxJson?.status).toBe('changed');
    expect(nginxJson?.diff).toMatch(/^--- a\/proxy\/nginx\.conf\t\(on disk\)\n\+\+\+ b\/proxy\/nginx\.conf\t\(new\)\n@@ /);
    expect(nginxJson?.diff).toMatch(/\n\+ +server_name c\.example;\n/);
    expect(json.files.find((f) => f.path === 'support/crontab')).toMatchObject({ status: 'unchanged' });
    expect(await snapshot(dir)).toEqual(before);

    // 3. Hand edits: nginx.conf (which apply would change) and the crontab (which it would not).
    const mine = `${await readFile(nginx, 'utf8')}# my tweak\n${KEY}`;
    await writeFile(nginx, mine);
    const myCrontab = `${await readFile(join(dir, 'support', 'crontab'), 'utf8')}# mine too\n`;
    await writeFile(join(dir, 'support', 'crontab'), myCrontab);
    const edited = await snapshot(dir);
    const stopped = await swarmWiz(dir, ['apply', '--yes'], printed);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain('would overwrite it:\n  proxy/nginx.conf\nNothing was written.');
    expect(stopped.stderr).toContain('--on-edit orig');
    expect(stopped.stderr).not.toContain('support/crontab');
    expect(stopped.stdout).toMatch(/^! edited +proxy\/nginx\.conf .*\(secret: not shown\)$/m);
    expect(await snapshot(dir)).toEqual(edited);

    // 4. --on-edit orig: their bytes in nginx.conf.orig, the new file written, the crontab untouched, the choice remembered.
    const orig = await swarmWiz(dir, ['apply', '--yes', '--on-edit', 'orig'], printed);
    expect(orig.code, orig.stderr).toBe(0);
    expect(orig.stdout).toContain('  kept your version of proxy/nginx.conf as proxy/nginx.conf.orig');
    expect(orig.stdout).toContain('  left support/crontab as you edited it');
    expect(await readFile(`${nginx}.orig`, 'utf8')).toBe(mine);
    expect(await readFile(nginx, 'utf8')).toBe(contentOf(['a', 'b', 'c'], 'proxy/nginx.conf'));
    expect(await readFile(join(dir, 'support', 'crontab'), 'utf8')).toBe(myCrontab);
    expect(await snapshot(dir)).not.toHaveProperty('support/crontab.orig');
    expect((await loadFileRecords(dir)).onEdit).toBe('orig');

    // 5. Remembered: the next apply without the flag does the same; an older .orig is never overwritten.
    await setConfig(dir, 'a', 'b', 'c', 'd');
    const again = `${await readFile(nginx, 'utf8')}# tweak again\n`;
    await writeFile(nginx, again);
    const remembered = await swarmWiz(dir, ['apply', '--yes'], printed);
    expect(remembered.code, remembered.stderr).toBe(0);
    expect(await readFile(`${nginx}.orig`, 'utf8')).toBe(mine);
    expect(await readFile(`${nginx}.orig.1`, 'utf8')).toBe(again);
    expect(await readFile(nginx, 'utf8')).toBe(contentOf(['a', 'b', 'c', 'd'], 'proxy/nginx.conf'));

    // 6. The key was in nginx.conf and in its .orig all along: never in any output.
    expect(await readFile(`${nginx}.orig`, 'utf8')).toContain(KEY_BODY);
    expect(printed.join('\n')).not.toContain(KEY_BODY);
    expect(printed.join('\n')).not.toContain('BEGIN PRIVATE KEY');
  });

  it('--json: apply stops the same way, and says per file what it did', async () => {
    const dir = await project('a');
    const printed: string[] = [];
    expect((await swarmWiz(dir, ['apply', '--yes', '--json'], printed)).code).toBe(0);
    await setConfig(dir, 'a', 'b');
    await writeFile(join(dir, 'docker-compose.yml'), '# mine\n');
    const stopped = await swarmWiz(dir, ['apply', '--yes', '--json'], printed);
    expect(stopped.code).toBe(2);
    expect(stopped.stdout).toBe('');
    expect(stopped.stderr).toContain('  docker-compose.yml\n');
    const done = await swarmWiz(dir, ['apply', '--yes', '--json', '--on-edit', 'orig'], printed);
    expect(done.code, done.stderr).toBe(0);
    const summary = JSON.parse(done.stdout) as { files: { path: string; status: string; written: boolean; keptAs?: string; diff?: string }[] };
    expect(summary.files.find((f) => f.path === 'docker-compose.yml')).toMatchObject({ status: 'edited', written: true, keptAs: 'docker-compose.yml.orig' });
    expect(summary.files.find((f) => f.path === 'docker-compose.yml')?.diff).toContain('-# mine\n');
    expect(summary.files.find((f) => f.path === 'support/crontab')).toMatchObject({ status: 'unchanged', written: false });
    expect(await readFile(join(dir, 'docker-compose.yml.orig'), 'utf8')).toBe('# mine\n');
  });

  it('on a terminal, without --yes: asks once what to do (after the diff), remembers the answer', async () => {
    const dir = await project('a');
    expect((await swarmWiz(dir, ['apply', '--yes'], [])).code).toBe(0);
    await setConfig(dir, 'a', 'b');
    await writeFile(join(dir, 'proxy', 'nginx.conf'), '# all mine\n');
    const { prompter, asked } = scriptedPrompter([
      { expect: 'proxy/nginx.conf was edited by hand', answer: 'orig' },
      { expect: 'Write these files?', answer: true },
    ]);
    const run = await swarmWiz(dir, ['apply'], [], { isTTY: true, prompter });
    expect(run.code, run.stderr).toBe(0);
    expect(asked.map((q) => q.kind)).toEqual(['select', 'confirm']);
    expect(run.stdout.indexOf('-# all mine')).toBeGreaterThan(0);
    expect(await readFile(join(dir, 'proxy', 'nginx.conf.orig'), 'utf8')).toBe('# all mine\n');
    expect((await loadFileRecords(dir)).onEdit).toBe('orig');
  });

  it('a project from before files were recorded: its files are taken as swarm-wiz’s own, without a question', async () => {
    const dir = await project('a');
    expect((await swarmWiz(dir, ['apply', '--yes'], [])).code).toBe(0);
    await rm(join(dir, FILE_RECORDS));
    await setConfig(dir, 'a', 'b');
    const run = await swarmWiz(dir, ['apply', '--yes'], []);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^~ change +proxy\/nginx\.conf .*taken as its own/m);
    expect(await readFile(join(dir, 'proxy', 'nginx.conf'), 'utf8')).toBe(contentOf(['a', 'b'], 'proxy/nginx.conf'));
    expect(Object.keys((await loadFileRecords(dir)).files).sort()).toEqual(rendered('a', 'b').map((f) => f.path).sort());
  });

  it('--on-edit with another value: exit 2 naming the choices, nothing written', async () => {
    const dir = await project('a');
    const run = await swarmWiz(dir, ['apply', '--yes', '--on-edit', 'merge'], []);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--on-edit "merge" is not a choice (one of orig, stop)');
    expect(await readdir(dir)).toEqual(['swarm-wiz.yaml']);
  });
});
