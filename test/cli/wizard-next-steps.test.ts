import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRY_LOCALLY_QUESTION } from '../../src/cli/review-and-write.js';
import { runCli } from '../../src/cli/run-cli.js';
import { startFakeDigitalOcean } from '../fake-do/index.js';
import { tempDir } from '../support/files.js';
import { emptyState, saveState } from '../../src/state/index.js';
import { scriptedPrompter, type ScriptedAnswer } from '../wizard/scripted-prompter.js';
import { seedAnswers } from '../wizard/seed-script.js';
import { testIo } from './test-io.js';

// The wizard's end: the offer to try the project on this machine before any droplet is paid for, and
// closing lines that name the next commands the way swarm-wiz was started. And, with a token, the
// droplet prices in the size question and the monthly cost in the review (from the fake's GET /v2/sizes).

const NPM_START = { npm_lifecycle_event: 'start', npm_package_name: 'swarm-wiz' };

async function planOnlyWizard(options: { localEngine: boolean; env?: Record<string, string>; more?: ScriptedAnswer[] }) {
  const dir = await tempDir('wizard-end');
  const { prompter, asked, remaining } = scriptedPrompter([...seedAnswers(), { expect: 'Write these files?', answer: true }, ...(options.more ?? [])]);
  const { io, stdout, stderr } = testIo({ cwd: '/', isTTY: true, prompter, localEngine: options.localEngine, ...(options.env ? { env: options.env } : {}) });
  const code = await runCli(['--dir', dir], io);
  expect(stderr()).toBe('');
  expect(code).toBe(0);
  expect(remaining()).toBe(0);
  const out = stdout();
  return { config: join(dir, 'swarm-wiz.yaml'), asked, closing: out.slice(out.indexOf('Plan-only: nothing was created in DigitalOcean.')).trimEnd().split('\n') };
}

describe("the wizard's closing lines (plan-only)", () => {
  it('without a Docker engine: no offer; the lines name swarm-wiz as installed, the local try first, then DigitalOcean', async () => {
    const { config, asked, closing } = await planOnlyWizard({ localEngine: false });
    expect(asked.some((question) => question.message === TRY_LOCALLY_QUESTION)).toBe(false);
    expect(closing).toEqual([
      'Plan-only: nothing was created in DigitalOcean.',
      `To try it on this machine first (free; needs a Docker engine, and none answers here now): swarm-wiz apply --target local --config ${config}`,
      `To create it at DigitalOcean: export DIGITALOCEAN_TOKEN=… and run: swarm-wiz apply --config ${config} --yes`,
    ]);
  });

  it('a Docker engine answers: the wizard offers the local try; declined, the lines name npm start -- as it was started', async () => {
    const { config, asked, closing } = await planOnlyWizard({ localEngine: true, env: NPM_START, more: [{ expect: TRY_LOCALLY_QUESTION, answer: false }] });
    expect(asked.at(-1)).toEqual({ kind: 'confirm', message: TRY_LOCALLY_QUESTION });
    expect(closing).toEqual([
      'Plan-only: nothing was created in DigitalOcean.',
      `To try it on this machine later: npm start -- apply --target local --config ${config}`,
      `To create it at DigitalOcean: export DIGITALOCEAN_TOKEN=… and run: npm start -- apply --config ${config} --yes`,
    ]);
  });

  it('the local try accepted: the wizard runs apply --target local on the project it wrote (here it stops at the check that the folder is no droplet project)', async () => {
    const dir = await tempDir('wizard-try');
    // A folder whose state lists a droplet: apply --target local refuses it before it asks any engine.
    await saveState(dir, { ...emptyState('demo'), cloud: { ...emptyState('demo').cloud, droplets: [{ id: 1, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's-1vcpu-2gb', tags: [], status: 'active' }] } });
    const { prompter, remaining } = scriptedPrompter([...seedAnswers(), { expect: 'Write these files?', answer: true }, { expect: TRY_LOCALLY_QUESTION, answer: true }]);
    const { io, stdout, stderr } = testIo({ cwd: '/', isTTY: true, prompter, localEngine: true });
    const code = await runCli(['--dir', dir], io);
    expect(remaining()).toBe(0);
    expect(code).toBe(1);
    expect(stdout() + stderr()).toContain(`${dir} is a project on DigitalOcean droplets (its state lists them); --target local would deploy a second copy here`);
  });

  it('another package\'s start script is not swarm-wiz\'s: the lines say swarm-wiz', async () => {
    const { closing } = await planOnlyWizard({ localEngine: false, env: { npm_lifecycle_event: 'start', npm_package_name: 'my-infra' } });
    expect(closing.slice(1).every((line) => line.includes(': swarm-wiz apply'))).toBe(true);
  });
});

describe('the wizard with a token (fake DigitalOcean API)', () => {
  it("lists each size with the fake's price, and the review shows the monthly cost before anything is created", async () => {
    const fake = await startFakeDigitalOcean({ domains: ['a.com', 'b.com', 'c.com'], sizePrices: { 's-1vcpu-2gb': 13 } });
    try {
      const dir = await tempDir('wizard-cost');
      const script = seedAnswers().map((entry): ScriptedAnswer => (entry.expect === 'DigitalOcean API token' ? { ...entry, answer: fake.token } : entry));
      const { prompter, asked } = scriptedPrompter([...script, { expect: 'Write these files and make these changes in DigitalOcean?', answer: false }]);
      const { io, stdout } = testIo({ cwd: '/', isTTY: true, prompter, env: { DIGITALOCEAN_API_URL: fake.url } });
      expect(await runCli(['--dir', dir], io)).toBe(1);
      const sizes = asked.find((question) => question.message === 'Droplet size')?.choiceNames ?? [];
      expect(sizes.find((name) => name.startsWith('s-1vcpu-2gb'))).toMatch(/\$13\.00\/month per droplet$/);
      expect(sizes.find((name) => name.startsWith('s-4vcpu-8gb'))).toMatch(/\$48\.00\/month per droplet$/);
      const review = stdout().slice(stdout().indexOf('Review: project demo'));
      // topology manager: no load balancer; 1 manager + 3 workers + the support server.
      expect(review).toContain('Monthly cost: $65.00');
      expect(review).not.toContain('load balancer node');
      expect(review).toContain('5 × droplet s-1vcpu-2gb  $13.00 = $65.00');
      expect(fake.requests.filter((request) => request.path === '/v2/sizes')).toHaveLength(2);
      expect(fake.requests.filter((request) => request.method !== 'GET')).toEqual([]);
      expect(fake.state.droplets).toEqual([]);
    } finally {
      await fake.stop();
    }
    fake.assertNoViolations();
  });
});

describe("apply's own plan-only line names the command the way it was started", () => {
  it.each([
    [{}, 'swarm-wiz'],
    [NPM_START, 'npm start --'],
  ])('%o: %s apply', async (env, command) => {
    const dir = await tempDir('apply-plan-only');
    const { io, stdout } = testIo({ cwd: '/', env });
    expect(await runCli(['apply', '--example', '--dir', dir], io)).toBe(0);
    expect(stdout()).toContain(`To create it: export DIGITALOCEAN_TOKEN=… and run ${command} apply --config ${join(dir, 'swarm-wiz.yaml')} --yes`);
  });
});
