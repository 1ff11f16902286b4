import { createHash } from 'node:crypto';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../scripts/bundle.js';
import { TEST_DELAY_BEFORE_WRITE_ENV } from '../../src/config/fs-atomic.js';
import { runCli } from '../../src/cli/run-cli.js';
import { configToYaml, loadConfig } from '../../src/config/index.js';
import { planDestroy } from '../../src/plan/index.js';
import { emptyState, loadFileRecords, loadState, saveState } from '../../src/state/index.js';
import { testIo } from '../cli/test-io.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { startSwarmWiz, type Finished } from '../support/cli.js';
import { projectDir, seedConfig, writes } from './provision-helpers.js';

/**
 * Two commands that change one project, started together as real processes, 20 times each pair
 * (issue 17, items 2 and 3). Both wait before their first write (the test-only
 * SWARM_WIZ_TEST_DELAY_BEFORE_WRITE_MS), so whichever runs first still works on the project when
 * the other starts: without the project lock both read the old swarm-wiz.yaml and one write is
 * lost. Every time, exactly one run must apply whole and the other stop at once (exit 1) naming the
 * holder, and nothing the winner wrote may be missing. No token for add-domain (plan-only); destroy
 * needs one, so it talks to the fake DigitalOcean API on loopback.
 */
const ROUNDS = 20;
const DELAY_MS = '1500';
const config = seedConfig();
const BASE_DOMAINS = config.sites.map((site) => site.domain);

let fake: FakeDigitalOcean;
let template: string;
let bundle: string;
const dirs: string[] = [];

beforeAll(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 20 });
  // The project as plan-only apply leaves it: swarm-wiz.yaml, every generated file, files.json; and a
  // state listing resources for destroy to delete (absent at the fake: deleted counts as done).
  template = await projectDir();
  dirs.push(template);
  // The one-file build: 40 pairs of processes start several times quicker than through tsx.
  const buildDir = await projectDir();
  dirs.push(buildDir);
  bundle = (await buildBundle({ outfile: join(buildDir, 'swarm-wiz.mjs') })).path;
  await writeFile(join(template, 'swarm-wiz.yaml'), configToYaml(config));
  const { io, stderr } = testIo({ cwd: template });
  expect(await runCli(['apply', '--config', join(template, 'swarm-wiz.yaml'), '--yes'], io), stderr()).toBe(0);
  await saveState(template, {
    ...emptyState('demo'),
    cloud: { tags: ['swarm-wiz-demo'], droplets: [], firewalls: [{ id: 'bb1f3e0f-7f5b-4d8e-9a61-0c4f8a2d3e10', name: 'demo-edge', spec: {} }], dnsRecords: [], vpc: { id: '5a4c2d1e-3b6f-4e8a-9c7d-1f2e3d4c5b6a', name: 'demo-vpc', region: 'fra1' } },
  });
}, 120_000);

afterAll(async () => {
  await fake.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshProject(): Promise<{ dir: string; configPath: string; configText: string; nginx: string }> {
  const dir = await projectDir();
  dirs.push(dir);
  await cp(template, dir, { recursive: true });
  return { dir, configPath: join(dir, 'swarm-wiz.yaml'), configText: await readFile(join(dir, 'swarm-wiz.yaml'), 'utf8'), nginx: await readFile(join(dir, 'proxy', 'nginx.conf'), 'utf8') };
}

const addDomain = (configPath: string, domain: string) => ['add-domain', '--config', configPath, '--domain', domain, '--image', `ghcr.io/me/${domain.split('.')[0]}:1.0`, '--port', '5000', '--yes'];
const overlapping = { [TEST_DELAY_BEFORE_WRITE_ENV]: DELAY_MS };

interface Run extends Finished {
  pid: number;
  command: string;
}

/** Starts both at once and waits for both. */
async function together(a: { args: string[]; env?: Record<string, string> }, b: { args: string[]; env?: Record<string, string> }): Promise<[Run, Run]> {
  const first = startSwarmWiz(a.args, { env: { ...overlapping, ...a.env }, bundle });
  const second = startSwarmWiz(b.args, { env: { ...overlapping, ...b.env }, bundle });
  return [
    { ...(await first.done), pid: first.pid, command: a.args[0]! },
    { ...(await second.done), pid: second.pid, command: b.args[0]! },
  ];
}

/** What went wrong in one round, in words (empty: one run applied whole, the other stopped naming it). */
function lockProblems(runs: [Run, Run]): { winner?: Run; loser?: Run; problems: string[] } {
  const winner = runs.find((run) => run.code === 0);
  const loser = runs.find((run) => run !== winner);
  if (!winner || !loser || loser.code !== 1) return { problems: [`exit codes ${runs.map((run) => `${run.command} ${run.code}`).join(', ')} (want one 0 and one 1): ${runs.map((run) => run.stderr.trim()).join(' | ')}`] };
  const named = new RegExp(`another swarm-wiz ${winner.command} \\(pid ${winner.pid}, since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\) holds this project`);
  return { winner, loser, problems: named.test(loser.stderr) ? [] : [`${loser.command} did not name the holder: ${loser.stderr.trim()}`] };
}

/** Every file files.json records holds what swarm-wiz says it wrote there (so none is taken for a hand edit). */
async function recordsMatchDisk(dir: string): Promise<string[]> {
  const records = await loadFileRecords(dir);
  const problems: string[] = [];
  for (const [path, sha] of Object.entries(records.files)) {
    const actual = createHash('sha256').update(await readFile(join(dir, path))).digest('hex');
    if (actual !== sha) problems.push(`${path} differs from files.json`);
  }
  return problems;
}

/** The domains nginx.conf serves (each has a server for port 80 and one for 443; `_` is the default server). */
const serverNames = (nginx: string) => [...new Set([...nginx.matchAll(/^\s*server_name ([^;]+);/gm)].map((match) => match[1]!.split(' ')[0]!))].filter((name) => name !== '_');

describe('commands that change one project, started together (real processes)', () => {
  it(`two add-domains, ${ROUNDS} times: one adds its domain whole (swarm-wiz.yaml and nginx.conf), the other stops at once naming it`, async () => {
    const problems: string[] = [];
    const won = { 'd.test': 0, 'e.test': 0 };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { dir, configPath } = await freshProject();
      const runs = await together({ args: addDomain(configPath, 'd.test') }, { args: addDomain(configPath, 'e.test') });
      const { winner, loser, problems: lock } = lockProblems(runs);
      const found: string[] = [...lock];
      const domains = (await loadConfig(configPath)).sites.map((site) => site.domain);
      const names = serverNames(await readFile(join(dir, 'proxy', 'nginx.conf'), 'utf8'));
      if (winner && loser) {
        const added = winner === runs[0] ? 'd.test' : 'e.test';
        won[added] += 1;
        if (domains.join() !== [...BASE_DOMAINS, added].join()) found.push(`swarm-wiz.yaml holds ${domains.join(', ')}`);
        if ([...names].sort().join() !== [...BASE_DOMAINS, added].sort().join()) found.push(`nginx.conf serves ${names.join(', ')}`);
        if (loser.stdout.includes('Saved')) found.push(`the stopped run said: ${loser.stdout}`);
      }
      found.push(...(await recordsMatchDisk(dir)));
      problems.push(...found.map((problem) => `round ${round}: ${problem}`));
    }
    console.log(`two add-domains, ${ROUNDS} rounds: d.test applied ${won['d.test']} times, e.test ${won['e.test']} times; problems: ${problems.length}`);
    expect(problems).toEqual([]);
  }, 300_000);

  it('a run killed with SIGKILL while it holds the project: the next command takes the stale lock over and applies', async () => {
    const { dir, configPath } = await freshProject();
    const killed = startSwarmWiz(addDomain(configPath, 'e.test'), { env: { [TEST_DELAY_BEFORE_WRITE_ENV]: '20000' }, bundle });
    const lock = join(dir, '.swarm-wiz', 'project.lock');
    for (let tries = 0; !(await readFile(lock, 'utf8').catch(() => '')).includes(`"pid":${killed.pid}`); tries += 1) {
      expect(tries, 'the first run never took the lock').toBeLessThan(600);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.kill(killed.pid, 'SIGKILL');
    expect((await killed.done).code).toBe(null);
    const next = await startSwarmWiz(addDomain(configPath, 'd.test'), { bundle }).done;
    expect(next.code, next.stderr).toBe(0);
    expect((await loadConfig(configPath)).sites.map((site) => site.domain)).toEqual([...BASE_DOMAINS, 'd.test']);
    await expect(readFile(lock)).rejects.toThrow();
  }, 120_000);

  it(`an add-domain and a destroy, ${ROUNDS} times: one applies whole, the other stops at once naming it and changes nothing`, async () => {
    const problems: string[] = [];
    const won = { 'add-domain': 0, destroy: 0 };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { dir, configPath, configText, nginx } = await freshProject();
      const recorded = await loadState(dir, 'demo');
      expect(planDestroy(recorded).length).toBeGreaterThan(0);
      const requestsBefore = fake.requests.length;
      const runs = await together(
        { args: addDomain(configPath, 'd.test') },
        { args: ['destroy', '--config', configPath, '--confirm', 'demo'], env: { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url } },
      );
      const { winner, problems: lock } = lockProblems(runs);
      const found: string[] = [...lock];
      const state = await loadState(dir, 'demo');
      const domains = (await loadConfig(configPath)).sites.map((site) => site.domain);
      if (winner?.command === 'add-domain') {
        won['add-domain'] += 1;
        if (domains.join() !== [...BASE_DOMAINS, 'd.test'].join()) found.push(`swarm-wiz.yaml holds ${domains.join(', ')}`);
        if (!serverNames(await readFile(join(dir, 'proxy', 'nginx.conf'), 'utf8')).includes('d.test')) found.push('nginx.conf lacks d.test');
        if (JSON.stringify(state.cloud) !== JSON.stringify(recorded.cloud)) found.push(`the stopped destroy changed the state: ${JSON.stringify(state.cloud)}`);
        if (writes(fake, requestsBefore).length > 0) found.push(`the stopped destroy sent ${writes(fake, requestsBefore).map((r) => `${r.method} ${r.path}`).join(', ')}`);
      } else if (winner?.command === 'destroy') {
        won.destroy += 1;
        if (planDestroy(state).length !== 0) found.push(`destroy left ${JSON.stringify(state.cloud)}`);
        if ((await readFile(configPath, 'utf8')) !== configText) found.push(`the stopped add-domain changed swarm-wiz.yaml: ${domains.join(', ')}`);
        if ((await readFile(join(dir, 'proxy', 'nginx.conf'), 'utf8')) !== nginx) found.push('the stopped add-domain changed nginx.conf');
      }
      found.push(...(await recordsMatchDisk(dir)));
      problems.push(...found.map((problem) => `round ${round}: ${problem}`));
    }
    console.log(`add-domain with destroy, ${ROUNDS} rounds: add-domain applied ${won['add-domain']} times, destroy ${won.destroy} times; problems: ${problems.length}`);
    expect(problems).toEqual([]);
  }, 300_000);
});
