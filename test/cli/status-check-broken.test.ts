import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { runCli } from '../../src/cli/run-cli.js';
import { parseConfig, saveConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { saveState, emptyState } from '../../src/state/index.js';
import { testIo } from './test-io.js';

/**
 * `status --check --no-probe` is the alarm cron runs: on input it cannot trust it is never quiet. A broken
 * state.json or stored certificate is critical (exit 2) with one line naming the file, never its text.
 */
const DAY = 86_400_000;
const SECRET = 'root:$6$SECRETSALT$notforyoureyes:20228:0:99999:7:::\n';

async function healthyProject(): Promise<{ dir: string; configPath: string; store: CertificateStore }> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-check-broken-'));
  const configPath = join(dir, 'swarm-wiz.yaml');
  const [site] = SEED_EXAMPLE.sites;
  const config = parseConfig({ ...SEED_EXAMPLE, sites: [{ ...site!, domain: 'fine.test' }] });
  await saveConfig(configPath, config);
  await saveState(dir, emptyState(config.project));
  const store = new CertificateStore(dir);
  const pair = await generateCertificate({ names: ['fine.test'], notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 89 * DAY) });
  await store.save('fine.test', pair.keyPem, pair.certPem, { names: ['fine.test'] });
  return { dir, configPath, store };
}

async function check(dir: string, configPath: string) {
  const { io, stdout, stderr } = testIo({ cwd: dir });
  const code = await runCli(['status', '--check', '--no-probe', '--config', configPath], io);
  return { code, output: stdout() + stderr() };
}

const statePath = (dir: string) => join(dir, '.swarm-wiz', 'state.json');

const BREAKS: { name: string; change: (p: { dir: string; store: CertificateStore }) => Promise<void>; says: RegExp }[] = [
  { name: 'a truncated state.json', change: async ({ dir }) => writeFile(statePath(dir), '{"project": "de'), says: /state\.json/ },
  { name: 'an empty state.json', change: async ({ dir }) => writeFile(statePath(dir), ''), says: /state\.json/ },
  { name: 'state.json is a directory', change: async ({ dir }) => { await rm(statePath(dir)); await mkdir(statePath(dir)); }, says: /state\.json/ },
  {
    name: 'state.json is a symlink (to a secret file)',
    change: async ({ dir }) => { const target = join(dir, 'shadow'); await writeFile(target, SECRET); await rm(statePath(dir)); await symlink(target, statePath(dir)); },
    says: /state\.json/,
  },
  {
    name: 'fullchain.pem no longer matches its key',
    change: async ({ dir }) => { const other = await generateCertificate({ names: ['fine.test'], notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 89 * DAY) }); await writeFile(join(dir, '.swarm-wiz', 'certs', 'fine.test', 'fullchain.pem'), other.certPem); },
    says: /fine\.test/,
  },
  {
    name: 'meta.json no longer matches fullchain.pem',
    change: async ({ dir }) => { const path = join(dir, '.swarm-wiz', 'certs', 'fine.test', 'meta.json'); const meta = JSON.parse(await (await import('node:fs/promises')).readFile(path, 'utf8')) as { serial: string }; meta.serial = 'abcdef'; await writeFile(path, JSON.stringify(meta)); },
    says: /fine\.test/,
  },
];

describe('status --check --no-probe is never quiet on broken input', () => {
  it('a healthy project: exit 0, silent (the control case)', async () => {
    const { dir, configPath } = await healthyProject();
    const { code, output } = await check(dir, configPath);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('--verbose names what was checked (a project never applied: its certificates); --json gives each problem its key', async () => {
    const { dir, configPath } = await healthyProject();
    const verbose = testIo({ cwd: dir });
    expect(await runCli(['status', '--check', '--no-probe', '--verbose', '--config', configPath], verbose.io)).toBe(0);
    expect(verbose.stdout()).toBe('all fine: certificates\n');
    await writeFile(statePath(dir), '{"project": "de');
    const json = testIo({ cwd: dir });
    expect(await runCli(['status', '--check', '--no-probe', '--json', '--config', configPath], json.io)).toBe(2);
    expect(JSON.parse(json.stdout())).toEqual({ exitCode: 2, problems: [{ key: 'state:unreadable', kind: 'state-unreadable', severity: 'critical', line: expect.stringMatching(/state\.json/) }] });
  });

  for (const broken of BREAKS) {
    it(`${broken.name}: exit 2, one line naming it, none of the file's text`, async () => {
      const project = await healthyProject();
      await broken.change(project);
      const { code, output } = await check(project.dir, project.configPath);
      expect(code, output).toBe(2);
      expect(output).toMatch(broken.says);
      expect(output).not.toContain('SECRET');
      expect(output).not.toContain('"project": "de');
    });
  }
});
