import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { configToYaml, loadConfig, parseConfig, SEED_EXAMPLE, type ConfigInput } from '../../src/config/index.js';
import { startFakeDigitalOcean } from '../fake-do/index.js';
import { addDomain } from '../fake-do/routes/domains.js';
import { testIo } from './test-io.js';

/**
 * `swarm-wiz add-domain` from flags on a project that is not deployed (no token: plan-only, so nothing
 * is looked up in DNS and nothing leaves this machine). The running-swarm case is test/e2e/add-domain.test.ts.
 */
async function project(overrides: Partial<ConfigInput> = {}): Promise<{ root: string; text: string }> {
  const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-add-domain-'));
  const text = `# my notes: keep me\n${configToYaml(parseConfig({ ...SEED_EXAMPLE, ...overrides }))}`;
  await writeFile(join(root, 'swarm-wiz.yaml'), text);
  return { root, text };
}

const D = ['add-domain', '--domain', 'd.example.com', '--image', 'ghcr.io/me/d:1.0', '--port', '5000'];

describe('swarm-wiz add-domain from flags', () => {
  it('shows only the delta, then saves swarm-wiz.yaml with its comments and writes the files (plan-only without a token)', async () => {
    const { root } = await project();
    const { io, stdout, stderr } = testIo({ cwd: root });
    const code = await runCli([...D, '--alias', 'www.d.example.com', '--private', 'd1=registry.example.com:5000/me/d1:2:6000', '--yes'], io);
    expect(code, stderr()).toBe(0);
    expect(stdout()).toContain('Add d.example.com (with www.d.example.com):');
    expect(stdout()).toContain('+ service service-d (public) ghcr.io/me/d:1.0');
    expect(stdout()).toContain('+ service d1 (private) registry.example.com:5000/me/d1:2');
    expect(stdout()).toContain('+ certificate for d.example.com, www.d.example.com (the other certificates are not touched)');
    expect(stdout()).toMatch(/^\+\s+server_name d\.example\.com www\.d\.example\.com;/m);
    expect(stdout()).toContain('· d.example.com: must point to demo-manager-1, which does not exist yet');
    const text = await readFile(join(root, 'swarm-wiz.yaml'), 'utf8');
    expect(text).toMatch(/^# my notes: keep me\n/);
    const config = await loadConfig(join(root, 'swarm-wiz.yaml'));
    expect(config.sites.at(-1)).toMatchObject({ domain: 'd.example.com', aliases: ['www.d.example.com'], service: { name: 'service-d', port: 5000 }, private: [{ name: 'd1', port: 6000 }] });
    expect(await readFile(join(root, 'proxy', 'nginx.conf'), 'utf8')).toContain('server_name d.example.com www.d.example.com;');
  });

  it('per-domain: one more worker, in the plan and in swarm-wiz.yaml', async () => {
    const { root } = await project({ topology: 'per-domain', workers: 3 });
    const { io, stdout, stderr } = testIo({ cwd: root });
    expect(await runCli([...D, '--yes'], io), stderr()).toBe(0);
    expect(stdout()).toContain('+ droplet demo-worker-4 (topology per-domain: one worker per domain)');
    expect((await loadConfig(join(root, 'swarm-wiz.yaml'))).workers).toBe(4);
  });

  it.each([
    { args: ['add-domain', '--domain', 'd.example.com', '--image', 'ghcr.io/me/d:1'], message: 'add-domain --domain needs --port too' },
    { args: [...D.slice(0, -1), '70000'], message: 'sites[3].service.port' },
    { args: ['add-domain', '--domain', 'a.com', '--image', 'ghcr.io/me/d:1', '--port', '80'], message: 'a.com' },
    { args: [...D, '--private', 'nonsense'], message: '--private "nonsense" is not name=image:port' },
    { args: [...D, '--json'], message: 'add-domain has no --json' },
    { args: ['add-domain'], message: 'Without one pass --domain, --image and --port' },
  ])('bad input $message: exit 2, swarm-wiz.yaml untouched, no file written', async ({ args, message }) => {
    const { root, text } = await project();
    const { io, stderr } = testIo({ cwd: root });
    expect(await runCli([...args, '--yes'], io)).toBe(2);
    expect(stderr()).toContain(message);
    expect(await readFile(join(root, 'swarm-wiz.yaml'), 'utf8')).toBe(text);
    await expect(readFile(join(root, 'proxy', 'nginx.conf'))).rejects.toThrow(/ENOENT/);
  });

  it('a generated file edited by hand: exit 2 naming it before swarm-wiz.yaml is saved; with --on-edit orig it goes on and keeps the edit', async () => {
    const { root, text } = await project();
    expect(await runCli(['apply', '--yes'], testIo({ cwd: root }).io)).toBe(0);
    const nginx = join(root, 'proxy', 'nginx.conf');
    const edited = `${await readFile(nginx, 'utf8')}\n# my tuning\n`;
    await writeFile(nginx, edited);
    const stopped = testIo({ cwd: root });
    expect(await runCli([...D, '--yes'], stopped.io)).toBe(2);
    expect(stopped.stderr()).toContain('  proxy/nginx.conf');
    expect(await readFile(join(root, 'swarm-wiz.yaml'), 'utf8')).toBe(text);
    expect(await readFile(nginx, 'utf8')).toBe(edited);

    const kept = testIo({ cwd: root });
    expect(await runCli([...D, '--yes', '--on-edit', 'orig'], kept.io), kept.stderr()).toBe(0);
    expect(await readFile(`${nginx}.orig`, 'utf8')).toBe(edited);
    expect(await readFile(nginx, 'utf8')).toContain('server_name d.example.com;');
  });

  it('with a token and the domain in a DigitalOcean zone: the delta names the A record swarm-wiz creates; read-only until confirmed', async () => {
    const fake = await startFakeDigitalOcean();
    try {
      addDomain(fake.state, 'example.com');
      const { root, text } = await project();
      const { io, stdout, stderr } = testIo({ cwd: root, env: { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url } });
      // No --yes and no terminal: it stops at the confirmation, after the plan, having only read.
      expect(await runCli(D, io)).toBe(2);
      expect(stdout()).toContain('+ DNS record A d.example.com → demo-manager-1 (in your DigitalOcean zone example.com)');
      expect(stdout()).toContain('· d.example.com: its zone is in DigitalOcean; swarm-wiz creates its A record');
      expect(stderr()).toContain('pass --yes');
      expect(stdout() + stderr()).not.toContain(fake.token);
      expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
      expect(await readFile(join(root, 'swarm-wiz.yaml'), 'utf8')).toBe(text);
      fake.assertNoViolations();
    } finally {
      await fake.stop();
    }
  });

  it('without --yes and without a terminal: exit 2 asking for --yes, nothing changed', async () => {
    const { root, text } = await project();
    const { io, stderr } = testIo({ cwd: root });
    expect(await runCli(D, io)).toBe(2);
    expect(stderr()).toContain('pass --yes');
    expect(await readFile(join(root, 'swarm-wiz.yaml'), 'utf8')).toBe(text);
  });
});
