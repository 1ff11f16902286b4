import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { askNewProject, PLAN_ONLY_NOTE, type WizardDeps } from '../../src/wizard/ask-new-project.js';
import { ENTER, scriptedPrompter, type ScriptedAnswer } from './scripted-prompter.js';
import { seedAnswers } from './seed-script.js';

function deps(script: ScriptedAnswer[], env: Record<string, string> = {}) {
  const scripted = scriptedPrompter(script);
  const said: string[] = [];
  const wizardDeps: WizardDeps = { prompter: scripted.prompter, say: (line) => said.push(line), env };
  return { wizardDeps, said, ...scripted };
}

/** The seed script with the answer to the n-th question matching `expect` replaced by several (bad ones first). */
function withAnswers(script: ScriptedAnswer[], expect: string, occurrence: number, answers: ScriptedAnswer['answer'][]): ScriptedAnswer[] {
  let seen = 0;
  const at = script.findIndex((entry) => entry.expect === expect && seen++ === occurrence);
  if (at < 0) throw new Error(`no question ${expect} #${occurrence} in the script`);
  return [...script.slice(0, at), ...answers.map((answer): ScriptedAnswer => ({ expect, answer })), ...script.slice(at + 1)];
}

describe('askNewProject', () => {
  it("builds the seed's project from a person's answers, plan-only without a token", async () => {
    const { wizardDeps, said, remaining } = deps(seedAnswers());
    const answers = await askNewProject(wizardDeps);
    expect(answers.config).toEqual(parseConfig(SEED_EXAMPLE));
    expect(answers.token).toBeUndefined();
    expect(said).toContain(PLAN_ONLY_NOTE);
    expect(remaining()).toBe(0);
  });

  it('takes the token from DIGITALOCEAN_TOKEN without asking, and keeps it out of the config', async () => {
    const script = seedAnswers().filter((entry) => entry.expect !== 'DigitalOcean API token');
    const { wizardDeps, said, asked } = deps(script, { DIGITALOCEAN_TOKEN: 'dop_v1_secret' });
    const answers = await askNewProject(wizardDeps);
    expect(answers.token).toBe('dop_v1_secret');
    expect(asked.filter((q) => q.kind === 'password')).toEqual([]);
    expect(JSON.stringify(answers.config)).not.toContain('dop_v1_secret');
    expect(said.join('\n')).not.toContain('dop_v1_secret');
  });

  it('a typed token is returned, and asked with the masked password prompt', async () => {
    const script = withAnswers(seedAnswers(), 'DigitalOcean API token', 0, ['  dop_v1_typed  ']);
    const { wizardDeps, asked } = deps(script);
    const answers = await askNewProject(wizardDeps);
    expect(answers.token).toBe('dop_v1_typed');
    expect(asked.find((q) => q.message.includes('token'))?.kind).toBe('password');
  });

  const reasks: { name: string; question: string; occurrence: number; bad: string[]; reason: RegExp }[] = [
    { name: 'a project name with upper case', question: 'Project name', occurrence: 0, bad: ['Demo'], reason: /"Demo" is not a project name/ },
    { name: 'a non-number of workers and too many', question: 'Workers', occurrence: 0, bad: ['three', '60'], reason: /not a number|more than 50 workers/ },
    { name: 'a domain with nginx syntax in it', question: 'Domain', occurrence: 0, bad: ['a.com; return 200'], reason: /is not a domain name/ },
    { name: 'a domain already used', question: 'Domain', occurrence: 1, bad: ['A.COM'], reason: /"a.com" is already used/ },
    { name: 'an IDN spelling of a domain already used', question: 'Domain', occurrence: 2, bad: ['bücher.de', 'xn--bcher-kva.de'], reason: /already used/ },
    { name: 'the reserved service name proxy', question: 'service name', occurrence: 0, bad: ['proxy'], reason: /reserved/ },
    { name: 'a service name already taken', question: 'service name', occurrence: 1, bad: ['service-a'], reason: /already the name of another service/ },
    { name: 'a service name with upper case', question: 'service name', occurrence: 2, bad: ['A1'], reason: /not a valid Swarm service name/ },
    { name: 'an image with a space', question: 'image', occurrence: 0, bad: ['ghcr.io/me/a 1.0'], reason: /not a Docker image reference/ },
    { name: 'ports 0, 70000 and 80.5', question: 'port', occurrence: 0, bad: ['0', '70000', '80.5'], reason: /is not a port \(1–65535\)/ },
    { name: 'a bad e-mail', question: 'E-mail', occurrence: 0, bad: ['ops-at-a.com'], reason: /not a plain e-mail address/ },
  ];

  for (const { name, question, occurrence, bad, reason } of reasks) {
    it(`asks again after ${name}, with the schema's message`, async () => {
      let script = seedAnswers();
      // The IDN case needs a site whose domain is bücher.de first; swap in c.com → bücher.de.
      if (name.startsWith('an IDN')) script = withAnswers(withAnswers(script, 'Domain', 1, ['xn--bcher-kva.de']), 'Domain', 2, [...bad, 'c.com']);
      else {
        const good = script.filter((entry) => entry.expect === question)[occurrence]?.answer ?? ENTER;
        script = withAnswers(script, question, occurrence, [...bad, good]);
      }
      const { wizardDeps, asked } = deps(script);
      await askNewProject(wizardDeps);
      const rejected = asked.filter((q) => q.rejected !== undefined);
      expect(rejected.length).toBe(bad.length);
      for (const q of rejected) expect(q.rejected).toMatch(reason);
    });
  }

  it('refuses an alias that repeats the domain and accepts valid ones', async () => {
    const script = withAnswers(seedAnswers(), 'Aliases', 0, ['www.a.com, a.com', 'www.a.com, api.a.com']);
    const { wizardDeps, asked } = deps(script);
    const answers = await askNewProject(wizardDeps);
    expect(asked.find((q) => q.rejected)?.rejected).toMatch(/"a.com" is already used/);
    expect(answers.config.sites[0]?.aliases).toEqual(['www.a.com', 'api.a.com']);
  });

  it('disables topologies that need more workers, with the reason', async () => {
    const script = withAnswers(seedAnswers(), 'Workers', 0, ['2']);
    const { wizardDeps, asked } = deps(script);
    const answers = await askNewProject(wizardDeps);
    const topology = asked.find((q) => q.message.includes('proxy runs'));
    expect(topology?.choices?.find((c) => c.value === 'per-domain')?.disabled).toBe('needs at least 3 workers, you chose 2');
    expect(topology?.choices?.find((c) => c.value === 'global-lb')?.disabled).toBe(false);
    expect(answers.config.workers).toBe(2);
  });

  it('a wildcard domain leaves only dns-01', async () => {
    const script = withAnswers(withAnswers(seedAnswers(), 'Domain', 0, ['*.a.com']), 'prove you own', 0, ['dns-01']);
    const { wizardDeps, asked } = deps(script);
    const answers = await askNewProject(wizardDeps);
    const challenge = asked.find((q) => q.message.includes('prove you own'));
    expect(challenge?.choices?.find((c) => c.value === 'http-01')?.disabled).toBe('wildcard domains need dns-01');
    expect(answers.config.sites[0]?.domain).toBe('*.a.com');
    expect(answers.config.certificates.challenge).toBe('dns-01');
  });

  it('image delivery asks for a registry and validates it; a custom CA URL must be https', async () => {
    let script = withAnswers(seedAnswers(), 'reach the proxy', 0, ['image']);
    script = withAnswers(script, 'Certificate authority', 0, ['url']);
    const at = script.findIndex((entry) => entry.expect === 'Certificate authority');
    script.splice(at + 1, 0, { expect: 'ACME directory URL', answer: 'http://localhost:14000/dir' }, { expect: 'ACME directory URL', answer: 'https://localhost:14000/dir' });
    script.push({ expect: 'Registry', answer: 'bad registry' }, { expect: 'Registry', answer: 'registry.digitalocean.com/me' });
    const { wizardDeps, asked } = deps(script);
    const answers = await askNewProject(wizardDeps);
    expect(asked.filter((q) => q.rejected).map((q) => q.rejected)).toEqual([
      '"http://localhost:14000/dir" is not staging, production or an https:// ACME directory URL',
      '"bad registry" is not a registry (like registry.digitalocean.com/me)',
    ]);
    expect(answers.config.registry).toBe('registry.digitalocean.com/me');
    expect(answers.config.certificates).toMatchObject({ ca: 'https://localhost:14000/dir', delivery: 'image' });
  });
  it("offers the profiles a CA given by URL lists, the CA's default first; a CA without any is not asked", async () => {
    let script = withAnswers(seedAnswers(), 'Certificate authority', 0, ['url']);
    const at = script.findIndex((entry) => entry.expect === 'Certificate authority');
    script.splice(at + 1, 0, { expect: 'ACME directory URL', answer: 'https://ca.test/dir' }, { expect: 'Certificate profile', answer: 'shortlived' });
    const { wizardDeps, asked } = deps(script);
    const looked: string[] = [];
    wizardDeps.caProfiles = (url) => (looked.push(url), Promise.resolve({ classic: '90 days', shortlived: '160 hours' }));
    const answers = await askNewProject(wizardDeps);
    expect(looked).toEqual(['https://ca.test/dir']);
    expect(asked.find((q) => q.message === 'Certificate profile')?.choices?.map((choice) => choice.value)).toEqual(['', 'classic', 'shortlived']);
    expect(answers.config.certificates).toMatchObject({ ca: 'https://ca.test/dir', profile: 'shortlived' });

    script = withAnswers(seedAnswers(), 'Certificate authority', 0, ['url']);
    script.splice(at + 1, 0, { expect: 'ACME directory URL', answer: 'https://ca.test/dir' });
    const none = deps(script);
    none.wizardDeps.caProfiles = () => Promise.resolve({});
    expect((await askNewProject(none.wizardDeps)).config.certificates.profile).toBeUndefined();
  });

  describe('the droplet size question', () => {
    const sizeQuestion = (asked: { message: string; choiceNames?: string[] }[]) => asked.find((q) => q.message === 'Droplet size')?.choiceNames ?? [];
    const withToken = () => seedAnswers().filter((entry) => entry.expect !== 'DigitalOcean API token');

    it('with a token lists each size with the price DigitalOcean lists for it', async () => {
      const { wizardDeps, asked } = deps(withToken(), { DIGITALOCEAN_TOKEN: 'dop_v1_secret' });
      const tokens: string[] = [];
      wizardDeps.sizePrices = (token) => (tokens.push(token), Promise.resolve(new Map([['s-1vcpu-1gb', 6], ['s-1vcpu-2gb', 12], ['s-2vcpu-2gb', 18], ['s-2vcpu-4gb', 24]])));
      await askNewProject(wizardDeps);
      expect(tokens).toEqual(['dop_v1_secret']);
      const names = sizeQuestion(asked);
      expect(names).toHaveLength(5);
      expect(names[1]).toMatch(/^s-1vcpu-2gb {2}1 vCPU, 2 GB +\$12\.00\/month per droplet$/);
      expect(names[3]).toMatch(/\$24\.00\/month per droplet$/);
      expect(names[4]).toMatch(/^s-4vcpu-8gb .* price not listed$/);
    });

    it('without a token: no prices are asked for or shown', async () => {
      const { wizardDeps, asked } = deps(seedAnswers());
      let called = false;
      wizardDeps.sizePrices = () => ((called = true), Promise.resolve(new Map()));
      await askNewProject(wizardDeps);
      expect(called).toBe(false);
      expect(sizeQuestion(asked).join('\n')).not.toContain('$');
    });

    it('prices that cannot be read: said once, the sizes listed without them', async () => {
      const { wizardDeps, asked, said } = deps(withToken(), { DIGITALOCEAN_TOKEN: 'dop_v1_secret' });
      wizardDeps.sizePrices = () => Promise.resolve({ unreadable: 'reading the droplet prices failed: DigitalOcean GET /v2/sizes answered HTTP 401' });
      await askNewProject(wizardDeps);
      expect(said).toContain('reading the droplet prices failed: DigitalOcean GET /v2/sizes answered HTTP 401. The sizes are listed without prices.');
      expect(sizeQuestion(asked).join('\n')).not.toContain('$');
    });
  });
});
