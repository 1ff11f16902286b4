import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderProjectFiles } from '../../recipes/index.js';
import { requireCloudInit, requireUnshare, runArgv } from '../peers/tools.js';
import { fileOf, RENDERINGS, seedConfig } from './fixtures.js';

const run = promisify(execFile);
const ROLES = ['manager', 'worker', 'support'] as const;
const KNOWN_KEYS = new Set(['package_update', 'package_upgrade', 'packages', 'write_files', 'runcmd']);
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function schemaCheck(text: string): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'swz-cloud-init-'));
  dirs.push(dir);
  const file = join(dir, 'user-data.yaml');
  writeFileSync(file, text);
  const { code, stdout, stderr } = await runArgv('cloud-init', ['schema', '--config-file', file]);
  return { code, output: stdout + stderr };
}

type CloudConfig = { packages: string[]; runcmd: string[][]; write_files?: { path: string; content: string }[] };

describe('cloud-init user-data', () => {
  beforeAll(() => requireCloudInit());

  const distinct = new Map<string, string>();
  for (const { topology, delivery, name } of RENDERINGS) {
    const files = renderProjectFiles(seedConfig(topology, delivery));
    for (const role of ROLES) distinct.set(fileOf(files, `cloud-init/${role}.yaml`), `${name} ${role}`);
  }

  it('is the same for every topology and delivery (droplets are set up alike; the stack differs)', () => {
    expect(distinct.size).toBe(3);
  });

  it.each([...distinct].map(([text, name]) => ({ text, name })))('$name passes `cloud-init schema`', async ({ text }) => {
    const result = await schemaCheck(text);
    expect(result.output).toContain('Valid cloud-config');
    expect(result.code).toBe(0);
  });

  it('the schema check can fail', async () => {
    const result = await schemaCheck('#cloud-config\npackages: 5\n');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('packages');
  });

  it.each(ROLES)('%s: installs docker.io, uses only known keys, holds no token, key or join command', (role) => {
    const text = fileOf(renderProjectFiles(seedConfig('global-lb', 'image')), `cloud-init/${role}.yaml`);
    expect(text).toMatch(/^#cloud-config\n/);
    const document = YAML.parse(text) as CloudConfig;
    expect(Object.keys(document).filter((key) => !KNOWN_KEYS.has(key))).toEqual([]);
    expect(document.packages).toContain('docker.io');
    expect(document.runcmd).toContainEqual(['systemctl', 'enable', '--now', 'docker']);
    expect(text).not.toMatch(/swarm (join|init)|SWMTKN|BEGIN .*PRIVATE KEY|token|password|ssh_authorized_keys/i);
  });
});

describe('the support server webroot from cloud-init/support.yaml, run for real', () => {
  beforeAll(() => requireUnshare());

  it('its runcmd dirs and the unit ExecStart serve an HTTP-01 token on :80', async () => {
    const document = YAML.parse(fileOf(renderProjectFiles(seedConfig('manager', 'secrets')), 'cloud-init/support.yaml')) as CloudConfig;
    const unit = document.write_files?.find((file) => file.path === '/etc/systemd/system/swarm-wiz-acme-webroot.service');
    const execStart = unit?.content.split('\n').find((line) => line.startsWith('ExecStart='))?.slice('ExecStart='.length);
    expect(execStart).toBe('/bin/busybox httpd -f -p 80 -h /srv/swarm-wiz/demo/acme-webroot');
    const prepare = document.runcmd.filter(([command]) => command === 'mkdir' || command === 'chmod');
    expect(prepare.length).toBeGreaterThan(0);
    const srv = mkdtempSync(join(tmpdir(), 'swz-srv-'));
    dirs.push(srv);
    // In a private network and mount namespace: a temp dir over /srv, cloud-init's mkdir/chmod, then the unit's command.
    const script = [
      'set -eu',
      'ip link set lo up',
      `mount --bind '${srv}' /srv`,
      ...prepare.map((argv) => argv.map((arg) => `'${arg}'`).join(' ')),
      "printf 'token.thumbprint' > /srv/swarm-wiz/demo/acme-webroot/.well-known/acme-challenge/tok123",
      `${execStart} &`,
      'server=$!',
      'for _ in $(seq 1 50); do busybox wget -q -O - http://127.0.0.1/.well-known/acme-challenge/tok123 2>/dev/null && break; sleep 0.1; done',
      'kill "$server"',
    ].join('\n');
    const { stdout } = await run('unshare', ['--net', '--mount', 'sh', '-c', script]);
    expect(stdout).toBe('token.thumbprint');
  });
});
