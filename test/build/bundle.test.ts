import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, type BuiltBundle } from '../../scripts/bundle.js';
import { parseConfig, saveConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { seedConfigUnderTest } from '../certs/harness.js';
import { startSupportServer } from '../certs/support-server.js';
import { startFakeDigitalOcean } from '../fake-do/fake-server.js';
import { startPebble } from '../peers/pebble.js';
import { freePort } from '../support/net.js';
import { swarmWiz, type Finished } from '../support/cli.js';

/**
 * dist/swarm-wiz.mjs as the support server gets it: the one file, alone in a folder outside the
 * repository (no node_modules anywhere up the tree), run with this Node. It must answer like
 * `npx tsx src/cli/main.ts` does for the same arguments.
 */
const REPO = join(import.meta.dirname, '..', '..');
/** The same environment for both runs: no NODE_PATH, Ink not in CI mode, no token. */
const ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), CI: 'false', NODE_PATH: '' };

let built: BuiltBundle;
let buildDir: string;
let runDir: string;
let bundle: string;
const projects: string[] = [];

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bundle-build-'));
  built = await buildBundle({ outfile: join(buildDir, 'swarm-wiz.mjs') });
  runDir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bundle-run-'));
  bundle = join(runDir, 'swarm-wiz.mjs');
  await copyFile(built.path, bundle);
}, 60_000);

afterAll(async () => {
  for (const dir of [buildDir, runDir, ...projects]) if (dir) await rm(dir, { recursive: true, force: true });
});

const fromBundle = (args: string[], env: Record<string, string> = {}): Promise<Finished> => swarmWiz(args, { bundle, cwd: runDir, env: { ...ENV, ...env } });
/** `npx tsx src/cli/main.ts …` in one process (npx and the tsx CLI would add two Node start-ups per run). */
const fromSource = (args: string[], env: Record<string, string> = {}): Promise<Finished> => swarmWiz(args, { cwd: REPO, env: { ...ENV, ...env } });
/** Exit code and the first line of each stream: what cron mails and monitoring reads. */
const firstLines = (run: Finished) => ({ code: run.code, stdout: run.stdout.split('\n')[0], stderr: run.stderr.split('\n')[0] });

/** A fresh project folder holding the seed's example config, certificates from `ca`. */
async function exampleProject(ca = 'staging'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bundle-project-'));
  projects.push(dir);
  const configPath = join(dir, 'swarm-wiz.yaml');
  await saveConfig(configPath, parseConfig({ ...SEED_EXAMPLE, certificates: { ...SEED_EXAMPLE.certificates, ca } }));
  return configPath;
}

describe('the bundle file', () => {
  it('is one executable file (0755) starting with the node shebang; nothing else is left in its folder', async () => {
    expect(built.bytes).toBe((await stat(built.path)).size);
    expect((await stat(built.path)).mode & 0o777).toBe(0o755);
    expect((await stat(bundle)).mode & 0o777).toBe(0o755);
    expect(await readdir(buildDir)).toEqual(['swarm-wiz.mjs']);
    expect((await readFile(bundle, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('imports and requires only Node builtins (no node_modules path is left to resolve)', async () => {
    const text = await readFile(bundle, 'utf8');
    const specifiers = [
      ...text.matchAll(/^import\s[^;]*?\sfrom\s*["']([^"']+)["']/gm),
      ...text.matchAll(/\b__require\("([^"]+)"\)/g),
      ...text.matchAll(/\bimport\("([^"]+)"\)/g),
    ].map((match) => match[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
    // …and where it runs, no node_modules could be found anyway.
    const ancestors = runDir.split(sep).map((_, index, parts) => parts.slice(0, index + 1).join(sep) || sep);
    expect(ancestors.filter((dir) => existsSync(join(dir, 'node_modules')))).toEqual([]);
  });

  it('DEV=true (Ink would load React DevTools, which the bundle leaves out): a clear failure, exit 1', async () => {
    const run = await fromBundle(['status', '--no-probe', '--config', await exampleProject()], { DEV: 'true' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DEV=true asks Ink to connect to React DevTools, which the built swarm-wiz (dist/) does not include.');
  });
});

describe('the bundle, alone in an empty folder, answers like the source', () => {
  it('--help lists the commands and exits 0, as from source', async () => {
    const [bundled, source] = await Promise.all([fromBundle(['--help']), fromSource(['--help'])]);
    expect(bundled.code).toBe(0);
    for (const command of ['wizard', 'apply', 'add-domain', 'plan', 'destroy', 'renew', 'status', 'certs']) expect(bundled.stdout).toContain(`  ${command} `);
    expect(bundled).toEqual(source);
  });

  it('an unknown command: the same exit code and message', async () => {
    const [bundled, source] = await Promise.all([fromBundle(['no-such-command']), fromSource(['no-such-command'])]);
    expect(bundled.code).toBe(2);
    expect(bundled).toEqual(source);
  });

  it('status --check: the same exit code and first line', async () => {
    const configPath = await exampleProject();
    const args = ['status', '--check', '--no-probe', '--config', configPath];
    const [bundled, source] = await Promise.all([fromBundle(args), fromSource(args)]);
    expect(bundled.code).toBe(2);
    expect(firstLines(bundled)).toEqual(firstLines(source));
  });

  it('renew with the CA unreachable: the same exit code and first line', async () => {
    const ca = `https://127.0.0.1:${await freePort()}/directory`;
    // Each run in its own project: renew records the failure, and the next run would be in back-off.
    const [bundled, source] = await Promise.all([fromBundle(['renew', '--config', await exampleProject(ca)]), fromSource(['renew', '--config', await exampleProject(ca)])]);
    expect(bundled.code).toBe(1);
    expect(bundled.stderr).toContain('cannot reach the CA');
    expect(firstLines(bundled)).toEqual(firstLines(source));
  });
});

describe('the bundle does what the support server and the operator run it for', () => {
  it('renew issues the missing certificates from a real ACME server (Pebble); status --check is then silent, exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-bundle-pebble-'));
    projects.push(dir);
    const support = await startSupportServer(join(dir, 'acme-webroot'));
    const pebble = await startPebble({ httpPort: support.port });
    try {
      const caCert = join(dir, 'pebble-listener-ca.pem');
      await writeFile(caCert, pebble.listenerCaPem);
      const configPath = join(dir, 'swarm-wiz.yaml');
      await saveConfig(configPath, seedConfigUnderTest(pebble.directoryUrl));
      const renewed = await fromBundle(['renew', '--config', configPath, '--entry', `127.0.0.1:${support.port}`, '--ca-cert', caCert]);
      expect(renewed.stderr).toBe('');
      expect(renewed.code).toBe(0);
      expect(renewed.stdout.split('\n').slice(0, 3).map((line) => line.replace(/:.*/, ''))).toEqual(['a.test', 'b.test', 'c.test']);
      expect(renewed.stdout).toMatch(/^a\.test: renewed \(missing\); valid until \d{4}-\d\d-\d\d/);
      expect(await fromBundle(['status', '--check', '--no-probe', '--config', configPath])).toEqual({ code: 0, stdout: '', stderr: '' });
    } finally {
      await pebble.stop();
      await support.close();
    }
  });

  it('plan against the (fake) DigitalOcean API through dots and Kiota: the same output as from source', async () => {
    const fake = await startFakeDigitalOcean();
    try {
      const configPath = await exampleProject();
      const env = { DIGITALOCEAN_API_URL: fake.url, DIGITALOCEAN_TOKEN: fake.token };
      const [bundled, source] = await Promise.all([fromBundle(['plan', '--config', configPath], env), fromSource(['plan', '--config', configPath], env)]);
      expect(bundled.code).toBe(0);
      expect(bundled.stdout).toContain('+ create  vpc');
      expect(bundled).toEqual(source);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.stop();
    }
  });
});
