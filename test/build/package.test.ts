import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swarmWizBundle } from '../../src/adapters/bundle.js';
import { runArgv } from '../peers/tools.js';
import { filesUnder } from '../support/files.js';

/**
 * swarm-wiz as a user installs it: `npm pack` in this checkout (its prepack runs `npm run build`),
 * the tarball installed with `npm install -g` into a fresh prefix, offline (no registry is reachable,
 * and the package needs none: everything it runs is bundled), then run from a folder that has
 * nothing to do with the checkout. One pack and one install, shared by every test here.
 */
const REPO = join(import.meta.dirname, '..', '..');
/** What a user's shell has: no npm_* variables from a surrounding `npm test`, no NODE_PATH, no token. */
const ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), CI: 'false', npm_config_update_notifier: 'false' };
const NPM_QUIET = ['--offline', '--no-audit', '--no-fund'];

type Run = { code: number; stdout: string; stderr: string };
const run = (command: string, args: readonly string[], cwd: string): Promise<Run> => runArgv(command, args, { cwd, env: ENV, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
/** The run's output when it failed, so a failing expectation says why. */
const ok = (result: Run): Run => {
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stderr}\n${result.stdout}`);
  return result;
};

let work: string;
let tarball: string;
let prefix: string;
let installed: string;
let runDir: string;
let gitStatusBefore: string;
const version = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const swarmWiz = (args: readonly string[], cwd = runDir): Promise<Run> => run(join(prefix, 'bin', 'swarm-wiz'), args, cwd);
const gitStatus = async (): Promise<string> => ok(await run('git', ['status', '--porcelain', '--ignored=no'], REPO)).stdout;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'swarm-wiz-package-'));
  gitStatusBefore = await gitStatus();
  const packDir = join(work, 'pack');
  await mkdir(packDir);
  const cache = join(work, 'npm-cache');
  ok(await run('npm', ['pack', '--pack-destination', packDir, '--cache', cache], REPO));
  const [name, ...others] = await readdir(packDir);
  expect(others).toEqual([]);
  tarball = join(packDir, name!);
  prefix = join(work, 'prefix');
  ok(await run('npm', ['install', '-g', ...NPM_QUIET, '--prefix', prefix, '--cache', cache, tarball], work));
  installed = join(prefix, 'lib', 'node_modules', 'swarm-wiz');
  runDir = await mkdtemp(join(tmpdir(), 'swarm-wiz-package-run-'));
}, 180_000);

afterAll(async () => {
  for (const dir of [work, runDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it("holds the two builds, README and package.json only; package.json needs no dependency; bin is dist/cli/main.mjs, executable", async () => {
    const files = await filesUnder(installed);
    expect(files.filter((file) => !/^dist\/cli\/[\w-]+\.mjs$/.test(file))).toEqual(['README.md', 'dist/swarm-wiz.mjs', 'package.json']);
    expect(files).toContain('dist/cli/main.mjs');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.bin).toEqual({ 'swarm-wiz': 'dist/cli/main.mjs' });
    expect((await stat(join(installed, 'dist', 'cli', 'main.mjs'))).mode & 0o111).toBe(0o111);
    expect((await readFile(join(installed, 'dist', 'cli', 'main.mjs'), 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('a command starts by loading commander and the registration only (zod, Ink, the DigitalOcean client, acme-client come later)', async () => {
    const dir = join(installed, 'dist', 'cli');
    const loaded = new Set<string>();
    const queue = ['main.mjs'];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (loaded.has(file)) continue;
      loaded.add(file);
      const text = await readFile(join(dir, file), 'utf8');
      // Static imports only (`import … from "./x.mjs"`, `import "./x.mjs"`), not `import("./x.mjs")`.
      for (const match of text.matchAll(/^(?:import|export)\s(?:[^;]*?\sfrom\s*)?["']\.\/([^"']+)["']/gm)) queue.push(match[1]!);
    }
    // esbuild marks where each bundled module starts: `// <path>/node_modules/<package>/…`.
    const packages = new Set<string>();
    for (const file of loaded) {
      const text = await readFile(join(dir, file), 'utf8');
      for (const match of text.matchAll(/^\/\/ \S*?node_modules\/((?:@[^/\s]+\/)?[^/\s]+)\//gm)) packages.add(match[1]!);
    }
    // A package added here slows every command, --version included: import it where it is used (`await import(…)`).
    expect([...packages].sort()).toEqual(['commander']);
    expect(loaded.size).toBeLessThan((await readdir(dir)).length);
  });
});

describe('the support server gets its one file from the installed package', () => {
  it('apply, running from its chunk in dist/cli/, copies dist/swarm-wiz.mjs of the same package', async () => {
    const dir = join(installed, 'dist', 'cli');
    const holders: string[] = [];
    for (const file of await readdir(dir)) if ((await readFile(join(dir, file), 'utf8')).includes('async function swarmWizBundle(')) holders.push(file);
    expect(holders).toHaveLength(1);
    const bundle = await swarmWizBundle(join(dir, holders[0]!));
    expect(bundle.path).toBe(join(installed, 'dist', 'swarm-wiz.mjs'));
    expect(bundle.content).toBe(await readFile(join(installed, 'dist', 'swarm-wiz.mjs'), 'utf8'));
    expect(ok(await run(process.execPath, [bundle.path, '--version'], runDir)).stdout).toBe(`${version}\n`);
  });
});

describe('installed with npm install -g into a fresh prefix (offline), run from an unrelated folder', () => {
  it('no node_modules anywhere above the folder it runs in', () => {
    const ancestors = runDir.split(sep).map((_, index, parts) => parts.slice(0, index + 1).join(sep) || sep);
    expect(ancestors.filter((dir) => existsSync(join(dir, 'node_modules')))).toEqual([]);
  });

  it("swarm-wiz --version and -V print package.json's version, exit 0", async () => {
    expect(await swarmWiz(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await swarmWiz(['-V'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it("swarm-wiz apply --example --dir D writes the article's project into D there, and nothing into the checkout", async () => {
    const result = ok(await swarmWiz(['apply', '--example', '--dir', 'D']));
    expect(result.stderr).toBe('');
    for (const file of ['swarm-wiz.yaml', 'proxy/nginx.conf', 'docker-compose.yml', 'support/crontab', 'cloud-init/manager.yaml']) expect(existsSync(join(runDir, 'D', file)), file).toBe(true);
    expect(existsSync(join(REPO, 'D'))).toBe(false);
    expect(await gitStatus()).toBe(gitStatusBefore);
  });

  it("the certificate screen (Ink and React, loaded on demand) matches the support server's one-file build in the same package", async () => {
    const project = join(runDir, 'status-project');
    ok(await swarmWiz(['apply', '--example', '--dir', project]));
    const args = ['certs', '--no-probe', '--config', join(project, 'swarm-wiz.yaml')];
    const asOf = (result: Run): Run => ({ ...result, stdout: result.stdout.replace(/as of \S+ \S+ UTC/, 'as of …') });
    const [split, oneFile] = await Promise.all([swarmWiz(args), run(process.execPath, [join(installed, 'dist', 'swarm-wiz.mjs'), ...args], runDir)]);
    expect(split.stdout).toContain('a.com');
    expect(split.stdout).toContain('not issued');
    expect(split.stderr).toContain('no valid certificate for a.com (missing)');
    expect(split.code).toBe(1);
    expect(asOf(split)).toEqual(asOf(oneFile));
  });

  it('npm exec --package <tarball> swarm-wiz (npx) runs the same, offline with an empty cache', async () => {
    const cache = join(work, 'npx-cache');
    const args = ['exec', ...NPM_QUIET, '--yes', '--cache', cache, '--package', tarball, '--', 'swarm-wiz'];
    expect(await run('npm', [...args, '--version'], runDir)).toMatchObject({ code: 0, stdout: `${version}\n` });
    ok(await run('npm', [...args, 'apply', '--example', '--dir', 'E'], runDir));
    expect(existsSync(join(runDir, 'E', 'swarm-wiz.yaml'))).toBe(true);
  });
});

describe('npm start from a checkout', () => {
  it('works in the folder npm was called from (INIT_CWD), not in the checkout', async () => {
    const called = await mkdtemp(join(work, 'called-from-'));
    const result = ok(await run('npm', ['--prefix', REPO, 'start', '--silent', '--', 'apply', '--example', '--dir', 'X'], called));
    expect(result.stdout).toContain(`--config ${join(called, 'X', 'swarm-wiz.yaml')}`);
    expect(existsSync(join(called, 'X', 'swarm-wiz.yaml'))).toBe(true);
    expect(existsSync(join(REPO, 'X'))).toBe(false);
    expect(await gitStatus()).toBe(gitStatusBefore);
  });
});
