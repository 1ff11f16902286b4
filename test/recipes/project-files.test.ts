import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderProjectFiles } from '../../recipes/index.js';
import { filesUnder } from '../support/files.js';
import { RENDERINGS, seedConfig } from './fixtures.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

describe('golden files (test/golden/<topology>-<delivery>/; regenerate with UPDATE_GOLDEN=1)', () => {
  it.each(RENDERINGS)('$name', async ({ topology, delivery, name }) => {
    const files = renderProjectFiles(seedConfig(topology, delivery));
    const dir = join(GOLDEN, name);
    if (UPDATE) {
      rmSync(dir, { recursive: true, force: true });
      for (const file of files) {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        writeFileSync(join(dir, file.path), file.content);
      }
    }
    expect(await filesUnder(dir)).toEqual(files.map((file) => file.path).sort());
    for (const file of files) expect(file.content, file.path).toBe(readFileSync(join(dir, file.path), 'utf8'));
  });
});

describe('renderProjectFiles', () => {
  it('returns the files in a stable order, with modes by kind', () => {
    expect(renderProjectFiles(seedConfig('manager', 'secrets')).map((file) => [file.path, file.mode])).toEqual([
      ['proxy/nginx.conf', 0o644],
      ['docker-compose.yml', 0o644],
      ['support/crontab', 0o644],
      ['support/deploy_stack.sh', 0o755],
      ['cloud-init/manager.yaml', 0o644],
      ['cloud-init/worker.yaml', 0o644],
      ['cloud-init/support.yaml', 0o644],
    ]);
    expect(renderProjectFiles(seedConfig('manager', 'image')).map((file) => file.path)).toEqual([
      'proxy/nginx.conf',
      'proxy/Dockerfile',
      'docker-compose.yml',
      'support/crontab',
      'support/build_proxy.sh',
      'support/deploy_stack.sh',
      'cloud-init/manager.yaml',
      'cloud-init/worker.yaml',
      'cloud-init/support.yaml',
    ]);
  });

  it('is pure: same input, same output; every file has a description and ends with a newline', () => {
    const config = seedConfig('per-domain', 'image');
    expect(renderProjectFiles(config)).toEqual(renderProjectFiles(config));
    for (const file of renderProjectFiles(config)) {
      expect(file.description.length).toBeGreaterThan(0);
      expect(file.content, file.path).toMatch(/\n$/);
    }
  });

  it('refuses context values that are not what they claim (they come from the state file)', () => {
    const config = seedConfig('manager', 'secrets');
    expect(() => renderProjectFiles(config, { supportPrivateIp: '10.0.0.1"; reboot; "' })).toThrow(/supportPrivateIp: .* is not an IPv4 address/);
    expect(() => renderProjectFiles(config, { managerPrivateIp: '10.0.0.256' })).toThrow(/managerPrivateIp/);
    expect(() => renderProjectFiles(config, { nginxVersion: 'latest' })).toThrow(/nginxVersion/);
  });

  it('known IPs change only the scripts; nginx.conf and compose stay valid without them', () => {
    const config = seedConfig('global-lb', 'image');
    const planOnly = renderProjectFiles(config);
    const provisioned = renderProjectFiles(config, { supportPrivateIp: '10.110.0.3', managerPrivateIp: '10.110.0.2' });
    const changed = provisioned.filter((file, i) => file.content !== planOnly[i]!.content).map((file) => file.path);
    expect(changed).toEqual(['support/build_proxy.sh', 'support/deploy_stack.sh']);
    const deploy = provisioned.find((file) => file.path === 'support/deploy_stack.sh')!.content;
    expect(deploy).toContain(': "${SWARM_WIZ_SUPPORT_IP:=10.110.0.3}"');
  });
});
