import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApply } from '../../src/app/index.js';
import { ApplyAborted, type ApplyEvent } from '../../src/run/index.js';
import { emptyState, loadState, parseState, saveState, statePath } from '../../src/state/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { FAST, holdings, projectDir, seedConfig, writes } from './provision-helpers.js';

let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 40, domains: ['a.com'] });
});
afterEach(async () => {
  await fake.stop();
});

const config = seedConfig({ topology: 'global-lb' });
const apply = (dir: string, extra: Partial<Parameters<typeof runApply>[0]> = {}) => runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST, ...extra });

async function expectExactlyTheProject(dir: string): Promise<void> {
  const held = holdings(fake);
  expect(held.droplets.map((d) => d.name)).toEqual(['demo-manager-1', 'demo-support', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
  expect(held.vpcs).toEqual(['demo-vpc']);
  expect(held.firewalls).toEqual(['demo-edge', 'demo-internal']);
  expect(held.loadBalancers).toEqual(['demo-lb']);
  expect(fake.state.domainRecords.get('a.com')!.filter((r) => r.type === 'A')).toHaveLength(1);
  expect(fake.state.sshKeys).toHaveLength(1);
  const state = await loadState(dir, 'demo');
  expect(state.cloud.droplets.map((d) => d.id).sort()).toEqual(fake.state.droplets.map((d) => d.id).sort());
  fake.assertNoViolations();
}

describe('resume and idempotence', () => {
  it('a crash after every create call but before any state write: apply again adopts everything, creates nothing twice', async () => {
    const dir = await projectDir();
    await apply(dir);
    // The state file as if every write after the create calls had been lost.
    await saveState(dir, emptyState('demo'));
    const before = fake.requests.length;
    const result = await apply(dir);
    expect(result.adopted.sort()).toEqual(['demo-manager-1', 'demo-support', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    const creates = writes(fake, before).filter((r) => r.method === 'POST' && r.path !== '/v2/tags');
    expect(creates.map((r) => r.path)).toEqual([]);
    await expectExactlyTheProject(dir);
  });

  // Interrupt points: after the VPC exists, right after the bulk create returned, while waiting for boot, after the LB exists.
  const points: [string, (e: ApplyEvent) => boolean][] = [
    ['after the VPC is created', (e) => e.type === 'step-done' && e.stepId === 'vpc:demo-vpc'],
    ['right after the droplets were created', (e) => e.type === 'step-progress' && e.stepId.startsWith('droplet:')],
    ['while the droplets boot', (e) => e.type === 'waiting'],
    ['after the load balancer is created', (e) => e.type === 'step-done' && e.stepId === 'load-balancer:demo-lb'],
  ];
  it.each(points)('interrupted %s: state lists what exists, apply again finishes exactly', async (_, when) => {
    const dir = await projectDir();
    const controller = new AbortController();
    const interrupted = apply(dir, { signal: controller.signal, onEvent: (e) => when(e) && controller.abort() });
    await expect(interrupted).rejects.toBeInstanceOf(ApplyAborted);
    const state = parseState(await readFile(statePath(dir), 'utf8'));
    // Everything that exists at this point is in the state: nothing would be orphaned.
    expect(state.cloud.droplets.map((d) => d.id).sort()).toEqual(fake.state.droplets.map((d) => d.id).sort());
    expect(state.cloud.vpc?.id).toBe(fake.state.vpcs[0]?.id);
    await apply(dir);
    await expectExactlyTheProject(dir);
    const before = fake.requests.length;
    await apply(dir);
    expect(writes(fake, before)).toEqual([]);
  });

  it('a droplet deleted outside swarm-wiz is created again; a corrupt state file stops with a clear error', async () => {
    const dir = await projectDir();
    await apply(dir);
    const gone = fake.state.droplets.find((d) => d.name === 'demo-worker-2')!;
    fake.state.droplets.splice(fake.state.droplets.indexOf(gone), 1);
    const before = fake.requests.length;
    await apply(dir);
    const created = writes(fake, before).filter((r) => r.path === '/v2/droplets');
    expect(created.map((r) => (r.body as { names: string[] }).names)).toEqual([['demo-worker-2']]);
    await expectExactlyTheProject(dir);
    await writeFile(statePath(dir), '{"version": 1, "project": "demo", "cloud": {"droplets": [{"id": "x"}]}}');
    await expect(apply(dir)).rejects.toThrow(/^\S+state\.json is not a valid swarm-wiz state file: cloud\.droplets\[0\]\.id: .*restore it from a backup/);
  });

  it('refuses to create droplets that could not be reached when the local private key is gone', async () => {
    const dir = await projectDir();
    await apply(dir);
    await rm(join(dir, '.swarm-wiz', 'ssh'), { recursive: true });
    const before = fake.requests.length;
    await expect(runApply({ config: seedConfig({ topology: 'global-lb', workers: 4 }), dir, token: fake.token, apiUrl: fake.url, timing: FAST })).rejects.toThrow(
      /private key \S+id_ed25519 is missing, so new droplets \(which get SSH key swarm-wiz-demo\) could not be reached\nRestore \.swarm-wiz\/ssh\//,
    );
    expect(writes(fake, before).filter((r) => r.path === '/v2/droplets')).toEqual([]);
  });
});
