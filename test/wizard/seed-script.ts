import { SEED_EXAMPLE } from '../../src/config/index.js';
import { ENTER, type ScriptedAnswer } from './scripted-prompter.js';

/** The answers a person gives to build the seed's project (a.com/b.com/c.com, A→A1,A2 …), token left empty. */
export function seedAnswers(): ScriptedAnswer[] {
  const answers: ScriptedAnswer[] = [
    { expect: 'Project name', answer: 'demo' },
    { expect: 'DigitalOcean API token', answer: '' },
    { expect: 'Region', answer: 'fra1' },
    { expect: 'Droplet size', answer: 's-1vcpu-2gb' },
    { expect: 'Managers', answer: 1 },
    { expect: 'Workers', answer: '3' },
  ];
  SEED_EXAMPLE.sites.forEach((site, i) => {
    answers.push(
      { expect: 'Domain', answer: site.domain },
      { expect: 'Aliases', answer: ENTER },
      { expect: 'service name', answer: site.service.name },
      { expect: 'image', answer: site.service.image },
      { expect: 'port', answer: String(site.service.port) },
      { expect: 'more settings', answer: ENTER },
    );
    for (const service of site.private ?? []) {
      answers.push(
        { expect: 'private service', answer: true },
        { expect: 'service name', answer: service.name },
        { expect: 'image', answer: service.image },
        { expect: 'port', answer: String(service.port) },
        { expect: 'more settings', answer: ENTER },
      );
    }
    answers.push({ expect: 'private service', answer: false });
    answers.push({ expect: 'Add another domain?', answer: i < SEED_EXAMPLE.sites.length - 1 });
  });
  answers.push(
    { expect: 'proxy runs', answer: 'manager' },
    { expect: 'E-mail', answer: 'ops@a.com' },
    { expect: 'Certificate authority', answer: 'staging' },
    { expect: 'prove you own', answer: 'http-01' },
    { expect: 'reach the proxy', answer: 'files' },
  );
  return answers;
}
