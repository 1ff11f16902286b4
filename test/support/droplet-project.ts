import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { sshKeyPath } from '../../src/adapters/ssh-key.js';
import type { Config } from '../../src/config/index.js';
import { emptyState, saveState, type State } from '../../src/state/index.js';

const droplet = (id: number, name: string, role: 'manager' | 'support', last: number) => ({ id, name, role, region: 'fra1', size: 's-1vcpu-2gb', tags: [], status: 'active' as const, publicIpv4: `203.0.113.${last}`, privateIpv4: `10.10.0.${last}` });

/**
 * A project folder of a project on droplets — `<project>-manager-1` and `<project>-support` in its
 * state, an SSH key file that a scripted connection never reads, `swarm-wiz.yaml` written — removed
 * after each test of the file that calls this (at import: it registers the afterEach).
 */
export function dropletProjects(prefix: string): (config: Config, write?: (dir: string) => Promise<void>) => Promise<{ dir: string; configPath: string; state: State }> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (config, write) => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    const configPath = join(dir, 'swarm-wiz.yaml');
    const { configToYaml } = await import('../../src/config/index.js');
    await writeFile(configPath, configToYaml(config));
    const state = emptyState(config.project);
    state.target = 'digitalocean';
    state.cloud.droplets = [droplet(1, `${config.project}-manager-1`, 'manager', 1), droplet(2, `${config.project}-support`, 'support', 2)];
    await saveState(dir, state);
    await mkdir(dirname(sshKeyPath(dir)), { recursive: true });
    await writeFile(sshKeyPath(dir), 'not a key: the fake connection never reads it\n', { mode: 0o600 });
    await write?.(dir);
    return { dir, configPath, state };
  };
}
