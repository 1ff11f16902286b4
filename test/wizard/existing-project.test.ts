import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { askAdditionalSite, chooseExistingProjectAction, commandFor } from '../../src/wizard/existing-project.js';
import { ENTER, scriptedPrompter, type ScriptedAnswer } from './scripted-prompter.js';

const dSite = (extra: ScriptedAnswer[] = []): ScriptedAnswer[] => [
  { expect: 'Domain', answer: 'd.com' },
  { expect: 'Aliases', answer: ENTER },
  { expect: 'service name', answer: ENTER },
  { expect: 'image', answer: 'ghcr.io/me/d:1.0' },
  { expect: 'port', answer: ENTER },
  { expect: 'more settings', answer: ENTER },
  { expect: 'private service', answer: false },
  ...extra,
];

describe('askAdditionalSite', () => {
  it('adds the site and keeps everything else', async () => {
    const config = parseConfig(SEED_EXAMPLE);
    const { prompter } = scriptedPrompter(dSite());
    const grown = await askAdditionalSite(prompter, config);
    expect(grown).toEqual({ ...config, sites: [...config.sites, { domain: 'd.com', aliases: [], service: { name: 'service-d', image: 'ghcr.io/me/d:1.0', port: 5000 }, private: [] }] });
  });

  it('per-domain with one worker per domain: asks for one more worker instead of refusing', async () => {
    const config = parseConfig({ ...SEED_EXAMPLE, topology: 'per-domain', workers: 3 });
    const { prompter, asked } = scriptedPrompter(dSite([{ expect: 'Workers', answer: '3' }, { expect: 'Workers', answer: ENTER }]));
    const grown = await askAdditionalSite(prompter, config);
    expect(asked.find((q) => q.rejected)?.rejected).toBe('topology per-domain puts each of the 4 domains on its own worker: at least 4 are needed');
    expect(grown.workers).toBe(4);
    expect(grown.sites).toHaveLength(4);
  });
});

describe('the existing-project menu', () => {
  it('maps Status to status when it exists, else certs; disables what this build lacks', async () => {
    expect(commandFor('status', (name) => name === 'certs')).toBe('certs');
    expect(commandFor('status', () => true)).toBe('status');
    expect(commandFor('add-domain', () => true)).toBe('add-domain');
    expect(commandFor('re-apply', () => true)).toBeUndefined();
    const { prompter, asked } = scriptedPrompter([{ expect: 'Project demo already exists here', answer: 're-apply' }]);
    expect(await chooseExistingProjectAction(prompter, 'demo', (name) => name === 'renew' || name === 'add-domain')).toBe('re-apply');
    expect(asked[0]?.choices).toEqual([
      { value: 'add-domain', disabled: false },
      { value: 'status', disabled: 'not available yet in this build' },
      { value: 'renew', disabled: false },
      { value: 'deploy', disabled: 'not available yet in this build' },
      { value: 're-apply', disabled: false },
      { value: 'destroy', disabled: 'not available yet in this build' },
      { value: 'quit', disabled: false },
    ]);
  });
});
