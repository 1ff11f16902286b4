import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configToYaml } from '../../src/config/index.js';
import { runApply } from '../../src/app/index.js';
import { loadState } from '../../src/state/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { startSwarmWiz, swarmWiz as runSwarmWiz, type Finished } from '../support/cli.js';
import { FAST, holdings, projectDir, seedConfig, writes } from './provision-helpers.js';

const config = seedConfig({ topology: 'global-lb' });

let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 20, domains: ['a.com'] });
});
afterEach(async () => {
  await fake.stop();
});

const swarmWiz = (args: string[], env: Record<string, string> = {}): Promise<Finished> => runSwarmWiz(args, { env });

async function project(): Promise<{ dir: string; configPath: string }> {
  const dir = await projectDir();
  const configPath = join(dir, 'swarm-wiz.yaml');
  await writeFile(configPath, configToYaml(config));
  return { dir, configPath };
}

const withFake = () => ({ DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url, SWARM_WIZ_OPERATOR_IP: '192.0.2.10' });

describe('swarm-wiz plan', () => {
  it('without a token: plans from the state alone, Terraform-style, and says DNS was not checked', async () => {
    const { configPath } = await project();
    const result = await swarmWiz(['plan', '--config', configPath]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('DIGITALOCEAN_TOKEN is not set');
    expect(result.stdout).toMatch(/^\+ create +droplet +demo-worker-3 +worker droplet/m);
    expect(result.stdout).toMatch(/^\+ create +load-balancer +demo-lb +load balancer demo-lb: TCP passthrough/m);
    expect(result.stdout).toMatch(/^! by hand manual-dns +a\.com/m);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('Plan: 16 to create, 0 to update, 0 to delete, 0 unchanged. 3 DNS records to create by hand (listed above).');
  });

  it('with a token: reads the account (DNS zones), writes nothing; after apply it shows no changes; --json is parseable', async () => {
    const { dir, configPath } = await project();
    const before = await swarmWiz(['plan', '--config', configPath], withFake());
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(/^\+ create +dns-record +a\.com +A a\.com → the IP of load balancer demo-lb in DigitalOcean DNS zone a\.com/m);
    expect(before.stdout).toContain('SSH from the project and 192.0.2.10/32');
    expect(writes(fake)).toEqual([]);
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST, operatorIp: '192.0.2.10' });
    const after = await swarmWiz(['plan', '--config', configPath, '--json'], withFake());
    const parsed = JSON.parse(after.stdout) as { summary: Record<string, number>; steps: { op: string }[] };
    expect(parsed.summary).toEqual({ create: 0, update: 0, delete: 0, same: 17, manual: 2 });
    const text = await swarmWiz(['plan', '--config', configPath], withFake());
    expect(text.stdout).toMatch(/^No changes: DigitalOcean matches swarm-wiz.yaml \(17 resources\)/m);
  });

  it('a bad token: exit 1 naming the failed call and the fix', async () => {
    const { configPath } = await project();
    const result = await swarmWiz(['plan', '--config', configPath], { ...withFake(), DIGITALOCEAN_TOKEN: 'dop_v1_bad' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/reading the DigitalOcean account failed: DigitalOcean GET \/v2\/account answered HTTP 401/);
    expect(result.stderr).not.toContain('dop_v1_bad');
  });
});

describe('two applies in one project folder', () => {
  it('the second says another apply holds the project and exits 1 at once, creating nothing; the first finishes; then the lock is free', async () => {
    const { dir, configPath } = await project();
    // The first apply's bulk create takes 3 s to be answered: the second starts meanwhile.
    fake.faults.next({ method: 'POST', path: '/v2/droplets', latencyMs: 3000 });
    const first = startSwarmWiz(['apply', '--config', configPath, '--yes', '--cloud-only'], { env: withFake() });
    const deadline = Date.now() + 60_000;
    while (!fake.requests.some((r) => r.method === 'POST' && r.path === '/v2/droplets') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const writesBefore = writes(fake).length;

    const startedAt = Date.now();
    const second = await swarmWiz(['apply', '--config', configPath, '--yes', '--cloud-only'], withFake());
    expect(second.code, second.stderr + second.stdout).toBe(1);
    expect(second.stderr).toContain(`another swarm-wiz apply (pid ${first.pid}, since `);
    expect(second.stderr).toContain(`) holds this project (${join(dir, '.swarm-wiz', 'project.lock')}): nothing was changed.`);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    // The first apply keeps writing meanwhile (its other creates), so the second's are told apart by what
    // it printed: it stopped before verifying the token or planning anything.
    expect(second.stdout).not.toContain('DigitalOcean');
    expect(writesBefore).toBeGreaterThan(0);

    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(holdings(fake).droplets).toHaveLength(5);
    const third = await swarmWiz(['apply', '--config', configPath, '--yes', '--cloud-only'], withFake());
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('nothing changed');
    fake.assertNoViolations();
  }, 120_000);
});

function withFakeEnv(): Record<string, string> {
  return withFake();
}

describe('swarm-wiz destroy', () => {
  it('needs the project name: not --yes alone, not a wrong name; then deletes exactly what the state lists', async () => {
    const { dir, configPath } = await project();
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    // Someone else's droplet in the same account: not in the state, must survive.
    fake.state.droplets.push({ ...structuredClone(fake.state.droplets[0]!), id: 4242, name: 'unrelated', tags: ['other'], vpc_uuid: undefined });
    const held = holdings(fake);

    const yesOnly = await swarmWiz(['destroy', '--config', configPath, '--yes'], withFakeEnv());
    expect(yesOnly.code).toBe(2);
    expect(yesOnly.stderr).toContain('destroy needs --confirm demo when there is no terminal');
    const wrong = await swarmWiz(['destroy', '--config', configPath, '--confirm', 'prod'], withFakeEnv());
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--confirm "prod" is not the project name "demo"');
    expect(holdings(fake)).toEqual(held);
    expect(writes(fake).filter((r) => r.method === 'DELETE')).toEqual([]);

    const done = await swarmWiz(['destroy', '--config', configPath, '--confirm', 'demo'], withFakeEnv());
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^- delete +droplet +demo-worker-1/m);
    expect(done.stdout).toContain('Destroyed demo');
    expect(holdings(fake)).toEqual({ droplets: [{ name: 'unrelated', tags: ['other'] }], vpcs: [], firewalls: [], loadBalancers: [] });
    expect(fake.state.domainRecords.get('a.com')!.filter((r) => r.type === 'A')).toEqual([]);
    const state = await loadState(dir, 'demo');
    expect(state.cloud).toMatchObject({ droplets: [], firewalls: [], dnsRecords: [] });
    expect(state.cloud.vpc).toBeUndefined();
    expect(state.cloud.loadBalancer).toBeUndefined();
    fake.assertNoViolations();

    // The state and the account agree on the SSH key (the API client may not support deleting keys yet: then it is kept and listed).
    expect(state.cloud.sshKey?.id).toBe(fake.state.sshKeys[0]?.id);
    const again = await swarmWiz(['destroy', '--config', configPath, '--confirm', 'demo'], withFakeEnv());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(state.cloud.sshKey ? /^- delete +ssh-key +swarm-wiz-demo/m : /Nothing to destroy/);
    expect(again.stdout).not.toMatch(/^- delete +(droplet|vpc|firewall|load-balancer|dns-record)/m);
  });

  it('a failure mid-way leaves the state listing exactly what is left; destroy again finishes', async () => {
    const { dir, configPath } = await project();
    await runApply({ config, dir, token: fake.token, apiUrl: fake.url, timing: FAST });
    const lbId = fake.state.loadBalancers[0]!.id;
    fake.faults.next({ method: 'DELETE', path: `/v2/load_balancers/${lbId}`, status: 422, message: 'load balancer is busy' });
    const failed = await swarmWiz(['destroy', '--config', configPath, '--confirm', 'demo'], withFakeEnv());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/deleting load-balancer demo-lb failed: .*HTTP 422: load balancer is busy/);
    const state = await loadState(dir, 'demo');
    expect(state.cloud.firewalls).toEqual([]);
    expect(state.cloud.loadBalancer?.id).toBe(lbId);
    expect(state.cloud.droplets).toHaveLength(5);
    const done = await swarmWiz(['destroy', '--config', configPath, '--confirm', 'demo'], withFakeEnv());
    expect(done.code, done.stderr).toBe(0);
    expect(holdings(fake)).toEqual({ droplets: [], vpcs: [], firewalls: [], loadBalancers: [] });
  });
});
