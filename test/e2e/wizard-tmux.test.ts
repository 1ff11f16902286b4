import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';

/*
 * Drives the real wizard in a real terminal (tmux), as a person would: waits until each question
 * is on the screen, types the answer, and checks what it wrote. tmux is a required peer: if it is
 * missing this test fails (it never skips).
 */

const repo = join(import.meta.dirname, '../..');
/** A tmux server of our own (-L), so nothing else's sessions are touched and kill-server is safe. */
const SOCKET = `swarm-wiz-e2e-${process.pid}`;
const SESSION = 'wizard';

/** A socket path where no Docker engine answers. */
const NO_ENGINE = join(tmpdir(), `swarm-wiz-e2e-${process.pid}-no-engine.sock`);

const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args]);

async function screen(): Promise<string> {
  return (await tmux('capture-pane', '-p', '-t', SESSION)).stdout;
}

/** Polls the visible screen until `expected` appears; on timeout fails showing the screen. */
async function waitForScreen(expected: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen();
    if (typeof expected === 'string' ? last.includes(expected) : expected.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(expected)}; the screen was:\n${last}`);
}

/** Waits for the program in the pane to end and returns its exit status (written by record-exit.mjs). */
async function waitForExit(statusFile: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await readFile(statusFile, 'utf8').catch(() => undefined);
    if (status !== undefined) {
      if (!/^\d+$/.test(status)) throw new Error(`the wizard ended by ${status}; the screen was:\n${await screen()}`);
      return Number(status);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`the wizard did not exit within ${timeoutMs} ms; the screen was:\n${await screen()}`);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Waits for the active question (inquirer marks it with "? " at the start of its line). */
const waitForQuestion = (message: string, timeoutMs?: number) => waitForScreen(new RegExp(`^\\? ${escape(message)}`, 'm'), timeoutMs);

/** Types text literally, then presses Enter. */
async function answer(text: string): Promise<void> {
  if (text !== '') await tmux('send-keys', '-t', SESSION, '-l', text);
  await tmux('send-keys', '-t', SESSION, 'Enter');
}

async function keys(...names: string[]): Promise<void> {
  await tmux('send-keys', '-t', SESSION, ...names);
}

/**
 * Runs swarm-wiz with `args` in a new tmux session (CI=false: Ink prints only its last frame when CI is set; no token: plan-only;
 * DOCKER_HOST where no engine answers, so the end never offers a local try, whatever this machine runs).
 */
async function startInPane(statusFile: string, ...args: string[]): Promise<void> {
  await tmux('kill-session', '-t', SESSION).catch(() => undefined);
  await tmux(
    'new-session', '-d', '-s', SESSION, '-x', '160', '-y', '50', '-c', repo,
    'env', '-u', 'DIGITALOCEAN_TOKEN', 'CI=false', `DOCKER_HOST=unix://${NO_ENGINE}`, process.execPath, join(import.meta.dirname, 'record-exit.mjs'), statusFile,
    'npx', 'tsx', 'src/cli/main.ts', ...args,
  );
  await tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on');
}

describe('the wizard in a real terminal (tmux)', () => {
  let dir: string;
  let statusFile: string;

  beforeAll(async () => {
    const version = await execa('tmux', ['-V'], { reject: false });
    if (version.exitCode !== 0) throw new Error('tmux is required for this test (apt-get install tmux); it must not be skipped');
    dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-tmux-'));
    statusFile = join(await mkdtemp(join(tmpdir(), 'swarm-wiz-tmux-status-')), 'exit-status');
    // CI=false: Ink prints only its last frame when CI is set. The token is unset: plan-only.
    await startInPane(statusFile, '--dir', dir);
  });

  afterAll(async () => {
    const socket = await tmux('display-message', '-p', '-t', SESSION, '#{socket_path}').then((r) => r.stdout.trim(), () => '');
    await tmux('kill-server').catch(() => undefined);
    if (socket.includes(SOCKET)) await rm(socket, { force: true });
  });

  it("answers every question for the seed's three domains and writes the project", async () => {
    await waitForQuestion('Project name', 60_000);
    await answer('demo');
    await waitForQuestion('DigitalOcean API token');
    await answer('');
    await waitForScreen('No DigitalOcean token: plan-only.');
    await waitForQuestion('Region');
    await answer('');
    await waitForQuestion('Droplet size');
    await answer('');
    await waitForQuestion('Managers');
    await answer('');
    await waitForQuestion('Workers');
    await answer('3');

    for (const [i, site] of SEED_EXAMPLE.sites.entries()) {
      await waitForQuestion('Domain');
      await answer(site.domain);
      await waitForQuestion(`Aliases of ${site.domain}`);
      await answer('');
      await waitForQuestion(`Public service of ${site.domain}: service name`);
      await answer(site.service.name);
      await waitForQuestion(`${site.service.name}: image`);
      await answer(site.service.image);
      await waitForQuestion(`${site.service.name}: port`);
      if (i === 0) {
        // A wrong answer is refused in place with the schema's message, then corrected.
        await answer('70000');
        await waitForScreen('70000 is not a port (1–65535)');
        await keys('C-u');
      }
      await answer(String(site.service.port));
      await waitForQuestion(`${site.service.name}: more settings`);
      await answer('');
      for (const [j, service] of (site.private ?? []).entries()) {
        await waitForQuestion(j === 0 ? `Add a private service for ${site.service.name}` : `Add another private service for ${site.service.name}`);
        await answer('y');
        await waitForQuestion(`Private service ${j + 1} of ${site.domain}: service name`);
        await answer(service.name);
        await waitForQuestion(`${service.name}: image`);
        await answer(service.image);
        await waitForQuestion(`${service.name}: port`);
        await answer(String(service.port));
        await waitForQuestion(`${service.name}: more settings`);
        await answer('');
      }
      await waitForQuestion(`Add another private service for ${site.service.name}`);
      await answer('n');
      await waitForQuestion('Add another domain?');
      await answer(i < SEED_EXAMPLE.sites.length - 1 ? 'y' : 'n');
    }

    const topologyScreen = await waitForQuestion('Where the NGINX proxy runs');
    for (const line of ['single point of failure', 'still one entrypoint', 'a node down takes that one domain down', 'the LB costs extra']) {
      expect(topologyScreen).toContain(line);
    }
    await keys('Down', 'Down', 'Down');
    await waitForScreen(/❯ global-lb/);
    await answer('');
    await waitForQuestion("E-mail for Let's Encrypt");
    await answer('ops@a.com');
    await waitForQuestion('Certificate authority');
    await answer('');
    await waitForQuestion('How to prove you own the domains');
    await answer('');
    await waitForQuestion('How certificates reach the proxy');
    await answer('');

    const review = await waitForQuestion('Write these files?');
    for (const text of ['Review: project demo', 'proxy/nginx.conf', 'docker-compose.yml', 'plan-only: nothing is created', 'demo-lb', 'Monthly cost: unknown', '5 × droplet s-1vcpu-2gb  price unknown', 'load balancer node  $12.00']) {
      expect(review).toContain(text);
    }
    await answer('y');

    const done = await waitForScreen('To create it at DigitalOcean:');
    expect(done).toMatch(/Writing files in .* \((\d+)\/\1 written\)/);
    // Started as `npx tsx src/cli/main.ts`, not by npm start: the commands are named swarm-wiz's way.
    const config = join(dir, 'swarm-wiz.yaml');
    expect(done.replace(/\n/g, '')).toContain(`Plan-only: nothing was created in DigitalOcean.To try it on this machine first (free; needs a Docker engine, and none answers here now): swarm-wiz apply --target local --config ${config}`);
    expect(await waitForExit(statusFile)).toBe(0);

    const expected = parseConfig({ ...SEED_EXAMPLE, topology: 'global-lb' });
    expect(await loadConfig(join(dir, 'swarm-wiz.yaml'))).toEqual(expected);
    const nginx = await readFile(join(dir, 'proxy/nginx.conf'), 'utf8');
    for (const domain of ['a.com', 'b.com', 'c.com']) expect(nginx).toContain(domain);
    for (const service of ['service-a', 'service-b', 'service-c']) expect(nginx).toContain(service);
    const compose = await readFile(join(dir, 'docker-compose.yml'), 'utf8');
    for (const name of ['service-a', 'a1', 'a2', 'b1', 'b2', 'c1', 'c2']) expect(compose).toMatch(new RegExp(`^  ${name}:`, 'm'));
    expect((await stat(join(dir, 'support/deploy_stack.sh'))).mode & 0o777).toBe(0o755);
  }, 240_000);

  it("the menu in that project, then add a domain typed as a person would: the delta, the DNS note, the confirmation, the new site saved", async () => {
    const status = join(await mkdtemp(join(tmpdir(), 'swarm-wiz-tmux-status-')), 'exit-status');
    await startInPane(status, '--dir', dir);
    const menu = await waitForQuestion('Project demo already exists here. What do you want to do?', 60_000);
    for (const entry of ['Add a domain', 'Status', 'Renew certificates now', 'Deploy a service', 'Re-apply', 'Destroy', 'Quit']) expect(menu).toContain(entry);
    expect(menu).toMatch(/❯ Add a domain/);
    await answer('');
    await waitForQuestion('Domain');
    await answer('b.com');
    await waitForScreen('"b.com" is already used; each domain may appear once');
    await keys('C-u');
    await answer('d.com');
    await waitForQuestion('Aliases of d.com');
    await answer('www.d.com');
    await waitForQuestion('Public service of d.com: service name');
    await answer('');
    await waitForQuestion('service-d: image');
    await answer('ghcr.io/me/d:1.0');
    await waitForQuestion('service-d: port');
    await answer('8080');
    await waitForQuestion('service-d: more settings');
    await answer('y');
    await waitForQuestion('service-d: health check path');
    await answer('/up');
    await waitForQuestion('service-d: environment variable');
    await answer('');
    await waitForQuestion('service-d: secrets it reads');
    await answer('');
    await waitForQuestion('service-d: named volumes');
    await answer('');
    await waitForQuestion('service-d: replicas');
    await answer('2');
    await waitForQuestion('Add a private service for service-d');
    await answer('n');
    const plan = await waitForQuestion('Add d.com?');
    for (const text of ['Add d.com (with www.d.com):', '+ service service-d (public) ghcr.io/me/d:1.0', '+ certificate for d.com, www.d.com', 'no droplet is created or changed', 'd.com: must point to demo-lb, which does not exist yet']) {
      expect(plan).toContain(text);
    }
    await answer('y');
    expect(await waitForExit(status)).toBe(0);
    const config = await loadConfig(join(dir, 'swarm-wiz.yaml'));
    expect(config.sites.at(-1)).toEqual({ domain: 'd.com', aliases: ['www.d.com'], service: { name: 'service-d', image: 'ghcr.io/me/d:1.0', port: 8080, health: '/up', replicas: 2 }, private: [] });
    expect(await readFile(join(dir, 'proxy/nginx.conf'), 'utf8')).toContain('server_name d.com www.d.com;');
  }, 240_000);
});
