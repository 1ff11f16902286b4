import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { renderProjectFiles } from '../../recipes/index.js';
import { NON_INTERACTIVE_HELP } from '../../src/cli/commands/wizard.js';
import { buildProgram, runCli } from '../../src/cli/run-cli.js';
import { loadConfig, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { ENTER, scriptedPrompter, type ScriptedAnswer } from '../wizard/scripted-prompter.js';
import { seedAnswers } from '../wizard/seed-script.js';
import { startFakeDigitalOcean } from '../fake-do/index.js';
import { tempDir } from '../support/files.js';
import { testIo } from './test-io.js';

const repo = join(import.meta.dirname, '../..');

describe('swarm-wiz without a terminal', () => {
  it('prints how to run non-interactively and exits 2 without asking anything', async () => {
    const root = await tempDir('wizard');
    const { io, stdout, stderr } = testIo({ cwd: root });
    expect(await runCli([], io)).toBe(2);
    expect(stderr()).toContain(NON_INTERACTIVE_HELP);
    expect(stderr()).toContain('swarm-wiz apply --config swarm-wiz.yaml --yes');
    expect(stderr()).toContain('swarm-wiz apply --example --dir out');
    expect(stdout()).toBe('');
    expect(await readdir(root)).toEqual([]);
  });

  it('`npm start` with no stdin (as in CI) exits 2 instead of hanging', async () => {
    const result = await execa('npm', ['start', '--silent'], { cwd: repo, stdin: 'ignore', reject: false, timeout: 60_000, env: { DIGITALOCEAN_TOKEN: '' } });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('swarm-wiz apply --example --dir out');
  });
});

describe('the wizard on a terminal (scripted answers)', () => {
  it("asks the seed's questions, reviews, and writes swarm-wiz.yaml and every file plan-only", async () => {
    const dir = await tempDir('wizard');
    const { prompter, remaining } = scriptedPrompter([...seedAnswers(), { expect: 'Write these files?', answer: true }]);
    const { io, stdout, stderr } = testIo({ cwd: '/', isTTY: true, prompter });
    const code = await runCli(['--dir', dir], io);
    expect(stderr()).toBe('');
    expect(code).toBe(0);
    expect(remaining()).toBe(0);
    expect(await loadConfig(join(dir, 'swarm-wiz.yaml'))).toEqual(parseConfig(SEED_EXAMPLE));
    for (const file of renderProjectFiles(parseConfig(SEED_EXAMPLE), {})) {
      expect(await readFile(join(dir, file.path), 'utf8')).toBe(file.content);
    }
    const out = stdout();
    expect(out).toContain('No DigitalOcean token: plan-only.');
    expect(out).toContain('Review: project demo');
    expect(out).toContain('Plan-only: nothing was created in DigitalOcean.');
  });

  it('a "no" at the review writes nothing', async () => {
    const dir = await tempDir('wizard');
    const { prompter } = scriptedPrompter([...seedAnswers(), { expect: 'Write these files?', answer: false }]);
    const { io } = testIo({ cwd: '/', isTTY: true, prompter });
    expect(await runCli(['--dir', dir], io)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a typed token: the review shows the real plan (DNS zones looked up), then provisions through the engine (fake DigitalOcean API), never echoing the token', async () => {
    const fake = await startFakeDigitalOcean({ domains: ['a.com', 'b.com', 'c.com'] });
    try {
      const dir = await tempDir('wizard');
      const script = seedAnswers().map((entry): ScriptedAnswer => (entry.expect === 'DigitalOcean API token' ? { ...entry, answer: fake.token } : entry));
      const { prompter } = scriptedPrompter([
        ...script,
        { expect: 'Write these files and make these changes in DigitalOcean?', answer: true },
        // The fake's droplets are addresses nobody may send to: the deploy over SSH is declined here.
        { expect: 'Deploy now', answer: false },
      ]);
      const { io, stdout, stderr } = testIo({ cwd: '/', isTTY: true, prompter, env: { DIGITALOCEAN_API_URL: fake.url } });
      expect(await runCli(['--dir', dir], io)).toBe(0);
      expect(stdout()).toContain('DigitalOcean: what apply will do');
      const review = stdout().slice(stdout().indexOf('Review: project demo'));
      expect(review).toMatch(/\+ create\s+dns-record/);
      expect(review).not.toContain('by hand');
      expect(stdout() + stderr()).not.toContain(fake.token);
      expect(await readFile(join(dir, 'swarm-wiz.yaml'), 'utf8')).not.toContain(fake.token);
      expect(fake.state.droplets.map((d) => d.name).sort()).toEqual(['demo-manager-1', 'demo-support', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
      expect(JSON.parse(await readFile(join(dir, '.swarm-wiz', 'state.json'), 'utf8')).cloud.droplets).toHaveLength(5);
      expect(stdout()).toContain(`Not deployed. To deploy later: swarm-wiz apply --config ${join(dir, 'swarm-wiz.yaml')} --yes`);
    } finally {
      await fake.stop();
    }
  });
});

describe('the wizard with an existing project', () => {
  async function seedProject(): Promise<string> {
    const dir = await tempDir('wizard');
    expect(await runCli(['apply', '--example', '--dir', dir], testIo({ cwd: dir }).io)).toBe(0);
    return dir;
  }

  it('offers add a domain, status, renew, deploy, re-apply, destroy; each command-backed one only when this build has it', async () => {
    const dir = await seedProject();
    const { prompter, asked } = scriptedPrompter([{ expect: 'already exists here', answer: 'quit' }]);
    const { io, stdout } = testIo({ cwd: dir, isTTY: true, prompter });
    expect(await runCli([], io)).toBe(0);
    expect(stdout()).toContain('Nothing changed.');
    const registered = new Set(buildProgram(io).commands.map((command) => command.name()));
    const menu = asked[0]?.choices ?? [];
    expect(menu.map((c) => c.value)).toEqual(['add-domain', 'status', 'renew', 'deploy', 're-apply', 'destroy', 'quit']);
    const available = {
      'add-domain': registered.has('add-domain'),
      status: registered.has('status') || registered.has('certs'),
      renew: registered.has('renew'),
      deploy: registered.has('deploy'),
      destroy: registered.has('destroy'),
    };
    for (const [name, yes] of Object.entries(available)) {
      expect(menu.find((c) => c.value === name)?.disabled).toBe(yes ? false : 'not available yet in this build');
    }
  });

  it('add a domain: asks only the new site, keeps the others, and rewrites the files', async () => {
    const dir = await seedProject();
    const { prompter, asked } = scriptedPrompter([
      { expect: 'already exists here', answer: 'add-domain' },
      { expect: 'Domain', answer: 'b.com' },
      { expect: 'Domain', answer: 'd.com' },
      { expect: 'Aliases', answer: 'www.d.com' },
      { expect: 'service name', answer: 'service-a' },
      { expect: 'service name', answer: ENTER },
      { expect: 'image', answer: 'ghcr.io/me/d:1.0' },
      { expect: 'port', answer: ENTER },
      { expect: 'more settings', answer: ENTER },
      { expect: 'private service', answer: false },
      { expect: 'Add d.com?', answer: true },
    ]);
    const { io } = testIo({ cwd: dir, isTTY: true, prompter });
    expect(await runCli([], io)).toBe(0);
    expect(asked.filter((q) => q.rejected).map((q) => q.rejected)).toEqual([
      '"b.com" is already used; each domain may appear once',
      '"service-a" is already the name of another service; service names must be unique',
    ]);
    const config = await loadConfig(join(dir, 'swarm-wiz.yaml'));
    expect(config.sites.map((s) => s.domain)).toEqual(['a.com', 'b.com', 'c.com', 'd.com']);
    expect(config.sites[3]).toEqual({ domain: 'd.com', aliases: ['www.d.com'], service: { name: 'service-d', image: 'ghcr.io/me/d:1.0', port: 5000 }, private: [] });
    expect(await readFile(join(dir, 'proxy/nginx.conf'), 'utf8')).toContain('d.com');
  });

  it('status: runs the status command on this project as if typed, with its output and exit code', async () => {
    const dir = await seedProject();
    const { emptyState, saveState } = await import('../../src/state/index.js');
    // The entry point is this machine, where nothing answers on 443: the probe fails at once, no network is used.
    const state = emptyState('demo');
    state.cloud.droplets.push({ id: 1, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's-1vcpu-2gb', tags: [], status: 'active', publicIpv4: '127.0.0.1' });
    await saveState(dir, state);
    const { prompter } = scriptedPrompter([{ expect: 'already exists here', answer: 'status' }]);
    const { io, stdout, stderr } = testIo({ cwd: dir, isTTY: true, prompter });
    expect(await runCli([], io)).toBe(1);
    expect(stdout()).toContain('a.com');
    // Nothing was applied: no manager to ask (said on the screen, not a crash); 127.0.0.1:443 does not serve them ×3; no certificates ×3.
    expect(stdout()).toContain('no answer from a manager: demo is not deployed');
    expect(stderr()).toBe('status: 7 problems\n');
  });

  it('deploy a service: asks which service and its image (default: the one it runs), then runs deploy as if typed', async () => {
    const dir = await seedProject();
    const { prompter, asked } = scriptedPrompter([
      { expect: 'already exists here', answer: 'deploy' },
      { expect: 'Which service?', answer: 'service-b' },
      { expect: 'service-b: the new image', answer: 'ghcr.io/me/b:2.0' },
    ]);
    const { io, stderr } = testIo({ cwd: dir, isTTY: true, prompter });
    // Not deployed: deploy itself says so, exit 1; the menu adds nothing of its own.
    expect(await runCli([], io)).toBe(1);
    expect(asked[1]?.choices?.map((c) => c.value)).toContain('b1');
    expect(stderr()).toContain('demo is not deployed');
  });

  it('an invalid existing swarm-wiz.yaml: exit 2 naming the field, before any question', async () => {
    const dir = await seedProject();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'swarm-wiz.yaml'), (await readFile(join(dir, 'swarm-wiz.yaml'), 'utf8')).replace('managers: 1', 'managers: 2'));
    const { prompter, asked } = scriptedPrompter([]);
    const { io, stderr } = testIo({ cwd: dir, isTTY: true, prompter });
    expect(await runCli([], io)).toBe(2);
    expect(stderr()).toContain('  managers: 2 is not 1 or 3');
    expect(asked).toEqual([]);
  });
});

describe('swarm-wiz add-domain', () => {
  it('asks one site, shows the delta, saves and rewrites; without a terminal and flags exit 2 saying which flags', async () => {
    const dir = await tempDir('add');
    expect(await runCli(['apply', '--example', '--dir', dir], testIo({ cwd: dir }).io)).toBe(0);

    const noTty = testIo({ cwd: dir });
    expect(await runCli(['add-domain'], noTty.io)).toBe(2);
    expect(noTty.stderr()).toContain('Without one pass --domain, --image and --port');

    const { prompter, remaining, asked } = scriptedPrompter([
      { expect: 'Domain', answer: 'shop.d.com' },
      { expect: 'Aliases', answer: ENTER },
      { expect: 'service name', answer: 'shop' },
      { expect: 'image', answer: 'ghcr.io/me/shop:2' },
      { expect: 'port', answer: '8080' },
      { expect: 'more settings', answer: true },
      { expect: 'health check path', answer: 'up' },
      { expect: 'health check path', answer: '/up' },
      { expect: 'environment variable', answer: 'LOG_LEVEL' },
      { expect: 'environment variable', answer: 'LOG_LEVEL=info' },
      { expect: 'environment variable', answer: 'DSN=a=b;c' },
      { expect: 'environment variable', answer: ENTER },
      { expect: 'secrets it reads', answer: 'api-key, api-key' },
      { expect: 'secrets it reads', answer: 'api_key' },
      { expect: 'named volumes', answer: 'data' },
      { expect: 'named volumes', answer: ENTER },
      { expect: 'replicas', answer: '2' },
      { expect: 'private service', answer: false },
      { expect: 'Add shop.d.com?', answer: true },
    ]);
    const { io, stdout } = testIo({ cwd: dir, isTTY: true, prompter });
    expect(await runCli(['add-domain'], io)).toBe(0);
    expect(remaining()).toBe(0);
    expect(stdout()).toContain('+ service shop (public) ghcr.io/me/shop:2');
    const config = await loadConfig(join(dir, 'swarm-wiz.yaml'));
    expect(config.sites.at(-1)).toEqual({
      domain: 'shop.d.com',
      aliases: [],
      service: { name: 'shop', image: 'ghcr.io/me/shop:2', port: 8080, health: '/up', env: { LOG_LEVEL: 'info', DSN: 'a=b;c' }, secrets: ['api_key'], replicas: 2 },
      private: [],
    });
    expect(asked.filter((q) => q.rejected).map((q) => q.rejected)).toEqual([
      '"up" is not an HTTP path (it starts with / and has letters, digits and . _ ~ % / = ? & + - only; at most 200 characters)',
      '"LOG_LEVEL" is not NAME=value (like LOG_LEVEL=info)',
      '"api-key" is listed twice; each secret once',
      '"data" is not a named volume (NAME:/absolute/path, like a1-data:/var/lib/postgresql/data)',
    ]);
    expect(await readFile(join(dir, 'proxy/nginx.conf'), 'utf8')).toContain('shop.d.com');
  });
});
