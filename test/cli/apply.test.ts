import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderProjectFiles } from '../../recipes/index.js';
import { EXAMPLE_PLAN_ONLY_LINE, PLAN_ONLY_LINE } from '../../src/cli/commands/apply.js';
import { renderContextOf } from '../../src/app/render-context.js';
import { runCli } from '../../src/cli/run-cli.js';
import { FILE_RECORDS, parseState } from '../../src/state/index.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { loadConfig, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { scriptedPrompter } from '../wizard/scripted-prompter.js';
import { startFakeDigitalOcean } from '../fake-do/index.js';
import { filesUnder, tempDir } from '../support/files.js';
import { testIo } from './test-io.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** The files DESIGN.md says every project directory holds (build_proxy.sh only with delivery: image). */
const DESIGN_FILES = ['swarm-wiz.yaml', 'proxy/nginx.conf', 'docker-compose.yml', 'support/crontab', 'support/deploy_stack.sh'];

describe('swarm-wiz apply --example', () => {
  it("writes the seed's project plan-only: every rendered file with its mode, scripts executable, and exits 0", async () => {
    const root = await tempDir('apply');
    const dir = join(root, 'out');
    const { io, stdout, stderr } = testIo({ cwd: root });
    const code = await runCli(['apply', '--example', '--dir', 'out'], io);
    expect(stderr()).toBe('');
    expect(code).toBe(0);
    expect(stdout().split('\n')[0]).toBe(EXAMPLE_PLAN_ONLY_LINE);

    const expected = renderProjectFiles(parseConfig(SEED_EXAMPLE), {});
    expect(await filesUnder(dir)).toEqual([...expected.map((f) => f.path), 'swarm-wiz.yaml', FILE_RECORDS].sort());
    for (const path of DESIGN_FILES) expect(await filesUnder(dir)).toContain(path);
    expect(expected.filter((file) => file.path.endsWith('.sh')).length).toBeGreaterThan(0);
    for (const file of expected) {
      expect(await readFile(join(dir, file.path), 'utf8')).toBe(file.content);
      expect(await modeOf(join(dir, file.path))).toBe(file.mode);
      if (file.path.endsWith('.sh')) expect(await modeOf(join(dir, file.path))).toBe(0o755);
    }
    expect(await loadConfig(join(dir, 'swarm-wiz.yaml'))).toEqual(parseConfig(SEED_EXAMPLE));
    // What it would create: the three droplets' worth of the seed and the DNS records to set by hand.
    for (const line of ['demo-manager-1', 'demo-worker-3', 'demo-support', 'A a.com', 'A c.com']) expect(stdout()).toContain(line);
    expect(stdout()).toContain(`swarm-wiz apply --config ${join(dir, 'swarm-wiz.yaml')} --yes`);
  });

  it('stays plan-only even with a token in the environment (no API is called)', async () => {
    const root = await tempDir('apply');
    const { io, stdout } = testIo({ cwd: root, env: { DIGITALOCEAN_TOKEN: 'dop_v1_unused', DIGITALOCEAN_API_URL: 'http://127.0.0.1:9' } });
    expect(await runCli(['apply', '--example', '--dir', root], io)).toBe(0);
    expect(stdout().split('\n')[0]).toBe(EXAMPLE_PLAN_ONLY_LINE);
    expect(stdout()).toContain('plan-only: nothing is created');
  });

  it('is repeatable, and never overwrites a swarm-wiz.yaml that is not the example', async () => {
    const root = await tempDir('apply');
    expect(await runCli(['apply', '--example', '--dir', root], testIo({ cwd: root }).io)).toBe(0);
    expect(await runCli(['apply', '--example', '--dir', root], testIo({ cwd: root }).io)).toBe(0);

    const mine = await tempDir('apply');
    await writeFile(join(mine, 'swarm-wiz.yaml'), 'project: mine\n');
    const { io, stderr } = testIo({ cwd: mine });
    expect(await runCli(['apply', '--example', '--dir', mine], io)).toBe(2);
    expect(stderr()).toContain('already exists and is not the example');
    expect(await readdir(mine)).toEqual(['swarm-wiz.yaml']);
  });

  it('--json prints one machine-readable summary and nothing else', async () => {
    const root = await tempDir('apply');
    const { io, stdout } = testIo({ cwd: root });
    expect(await runCli(['apply', '--example', '--dir', root, '--json'], io)).toBe(0);
    const summary = JSON.parse(stdout());
    expect(summary).toMatchObject({ project: 'demo', dir: root, planOnly: true });
    expect(summary.files.filter((f: { written: boolean }) => !f.written)).toEqual([]);
    expect(summary.cloud.filter((s: { kind: string }) => s.kind === 'droplet')).toHaveLength(5);
  });
});

describe('swarm-wiz apply --config', () => {
  /** A project other than the seed: two sites, aliases, global-lb. */
  const config = {
    project: 'shop',
    region: 'ams3',
    size: 's-2vcpu-4gb',
    managers: 3,
    workers: 2,
    topology: 'global-lb',
    sites: [
      { domain: 'shop.example', aliases: ['www.shop.example'], service: { name: 'web', image: 'ghcr.io/acme/web:2.1', port: 8080 }, private: [{ name: 'db-api', image: 'ghcr.io/acme/api:2.1', port: 9000 }] },
      { domain: 'blog.example', service: { name: 'blog', image: 'ghost:5', port: 2368 } },
    ],
    certificates: { email: 'ops@shop.example', ca: 'production', challenge: 'http-01', delivery: 'secrets' },
  };

  async function project() {
    const root = await tempDir('apply');
    const text = YAML.stringify(config);
    await writeFile(join(root, 'swarm-wiz.yaml'), text);
    return { root, text };
  }

  it('writes the files beside the config by default, leaves the config as it was, and exits 0 plan-only', async () => {
    const { root, text } = await project();
    const { io, stdout } = testIo({ cwd: root });
    expect(await runCli(['apply', '--yes'], io)).toBe(0);
    expect(stdout()).toContain(PLAN_ONLY_LINE);
    expect(stdout()).toContain('shop-lb');
    expect(await readFile(join(root, 'swarm-wiz.yaml'), 'utf8')).toBe(text);
    const expected = renderProjectFiles(parseConfig(config), {});
    expect(await filesUnder(root)).toEqual([...expected.map((f) => f.path), 'swarm-wiz.yaml', FILE_RECORDS].sort());
  });

  it('--dir puts the files elsewhere', async () => {
    const { root } = await project();
    const other = await tempDir('apply');
    expect(await runCli(['apply', '--config', join(root, 'swarm-wiz.yaml'), '--dir', other, '--yes'], testIo({ cwd: '/' }).io)).toBe(0);
    expect(await readdir(root)).toEqual(['swarm-wiz.yaml']);
    expect((await filesUnder(other)).length).toBe(renderProjectFiles(parseConfig(config), {}).length + 1);
    expect(await filesUnder(other)).toContain(FILE_RECORDS);
  });

  it('without --yes and without a terminal: exit 2, says to pass --yes, writes nothing', async () => {
    const { root } = await project();
    const { io, stderr } = testIo({ cwd: root });
    expect(await runCli(['apply'], io)).toBe(2);
    expect(stderr()).toContain('pass --yes');
    expect(await readdir(root)).toEqual(['swarm-wiz.yaml']);
  });

  it('a missing config: exit 2 naming the file', async () => {
    const root = await tempDir('apply');
    const { io, stderr } = testIo({ cwd: root });
    expect(await runCli(['apply', '--yes'], io)).toBe(2);
    expect(stderr()).toContain(`${join(root, 'swarm-wiz.yaml')}: does not exist`);
    expect(await readdir(root)).toEqual([]);
  });

  it('on a terminal shows the review and asks; yes writes', async () => {
    const { root } = await project();
    const { prompter, asked } = scriptedPrompter([{ expect: 'Write these files?', answer: true }]);
    const { io, stdout } = testIo({ cwd: root, isTTY: true, prompter });
    expect(await runCli(['apply'], io)).toBe(0);
    expect(asked).toHaveLength(1);
    expect(stdout()).toContain('Review: project shop');
    expect(stdout()).toContain('www.shop.example');
    expect((await filesUnder(root)).length).toBeGreaterThan(1);
  });

  it('on a terminal, no: exit 1 and nothing written', async () => {
    const { root } = await project();
    const { prompter } = scriptedPrompter([{ expect: 'Write these files?', answer: false }]);
    const { io, stderr } = testIo({ cwd: root, isTTY: true, prompter });
    expect(await runCli(['apply'], io)).toBe(1);
    expect(stderr()).toContain('Cancelled; nothing was written.');
    expect(await readdir(root)).toEqual(['swarm-wiz.yaml']);
  });

  it('with a token: writes the files, hands over to the provisioning engine (fake DigitalOcean API), records the state 0600, never prints the token', async () => {
    const fake = await startFakeDigitalOcean();
    try {
      const { root } = await project();
      const { io, stdout, stderr } = testIo({ cwd: root, env: { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url } });
      // --cloud-only: the fake's droplets are addresses nobody may send to, so no deploy over SSH.
      const code = await runCli(['apply', '--yes', '--cloud-only'], io);
      expect(stderr()).toBe('');
      expect(code).toBe(0);
      expect(stdout()).not.toContain(PLAN_ONLY_LINE);
      expect(stdout()).toContain('DigitalOcean: ');
      expect(stdout() + stderr()).not.toContain(fake.token);
      expect(fake.state.droplets.map((d) => d.name).sort()).toEqual(['shop-manager-1', 'shop-manager-2', 'shop-manager-3', 'shop-support', 'shop-worker-1', 'shop-worker-2']);
      expect(fake.state.loadBalancers.map((lb) => lb.name)).toEqual(['shop-lb']);
      const statePath = join(root, '.swarm-wiz', 'state.json');
      expect(await modeOf(statePath)).toBe(0o600);
      const state = parseState(await readFile(statePath, 'utf8'));
      expect(state.cloud.droplets).toHaveLength(6);
      // The files on disk are the ones rendered with the private IPs provisioning recorded.
      const context = renderContextOf(state);
      expect(context.supportPrivateIp).toMatch(/^10\./);
      expect(context.managerPrivateIp).toMatch(/^10\./);
      for (const file of renderProjectFiles(parseConfig(config), context)) {
        expect(await readFile(join(root, file.path), 'utf8')).toBe(file.content);
      }
      expect(stdout()).toContain('  wrote support/deploy_stack.sh');
      expect(stdout()).toContain('Not deployed to the droplets (--cloud-only).');
      fake.assertNoViolations();
    } finally {
      await fake.stop();
    }
  });

  it('with a token and a profile the CA does not offer: exit 2 naming the offered ones, before anything is created', async () => {
    // A CA directory on loopback (its own certificate, trusted with --ca-cert) that offers two profiles.
    const tls = await generateCertificate({ names: ['ip:127.0.0.1'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3_600_000) });
    const ca = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ newNonce: 'x', newOrder: 'x', meta: { profiles: { classic: '90 days', shortlived: '160 hours' } } })));
    await new Promise<void>((resolve) => ca.listen(0, '127.0.0.1', resolve));
    const fake = await startFakeDigitalOcean();
    try {
      const root = await tempDir('apply');
      await writeFile(join(root, 'ca.pem'), tls.certPem);
      const directory = `https://127.0.0.1:${(ca.address() as AddressInfo).port}/dir`;
      await writeFile(join(root, 'swarm-wiz.yaml'), YAML.stringify({ ...config, certificates: { ...config.certificates, ca: directory, profile: 'tlsserver' } }));
      const { io, stderr } = testIo({ cwd: root, env: { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url } });
      expect(await runCli(['apply', '--yes', '--cloud-only', '--ca-cert', 'ca.pem'], io)).toBe(2);
      expect(stderr()).toContain(`certificates.profile: the CA at ${directory} has no profile "tlsserver" (it offers classic, shortlived). Nothing was created.`);
      expect(fake.state.droplets).toEqual([]);
      expect(fake.state.sshKeys).toEqual([]);
    } finally {
      await fake.stop();
      ca.close();
    }
  });

  it('with a token DigitalOcean refuses: exit 1 naming the token, before anything is written or created', async () => {
    const fake = await startFakeDigitalOcean();
    try {
      const { root } = await project();
      const { io, stderr } = testIo({ cwd: root, env: { DIGITALOCEAN_TOKEN: 'dop_v1_wrong', DIGITALOCEAN_API_URL: fake.url } });
      expect(await runCli(['apply', '--yes'], io)).toBe(1);
      expect(stderr()).toContain('401');
      expect(stderr()).toContain('Nothing was written or created.');
      expect(stderr()).not.toContain('dop_v1_wrong');
      expect(fake.state.droplets).toEqual([]);
      expect(await readdir(root)).toEqual(['swarm-wiz.yaml']);
    } finally {
      await fake.stop();
    }
  });
});

describe('usage', () => {
  it('--help exits 0; an unknown option or command exits 2', async () => {
    const root = await tempDir('apply');
    const help = testIo({ cwd: root });
    expect(await runCli(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('apply');
    const badOption = testIo({ cwd: root });
    expect(await runCli(['apply', '--frobnicate'], badOption.io)).toBe(2);
    expect(badOption.stderr()).toContain("unknown option '--frobnicate'");
    const badCommand = testIo({ cwd: root });
    expect(await runCli(['aply'], badCommand.io)).toBe(2);
    expect(await readdir(root)).toEqual([]);
  });
});
