import { parseConfig, type Config, type ConfigInput } from '../config/index.js';
import { askSite, takenBy, type SiteInput } from './ask-site.js';
import { CA_CHOICES, DELIVERY_CHOICES, MANAGER_COUNTS, REGIONS, challengeChoices, sizeChoices, topologyChoices } from './choices.js';
import type { Prompter } from './prompter.js';
import { validateCaUrl, validateEmail, validateProject, validateRegistry, validateWorkers } from './validators.js';

export interface WizardDeps {
  prompter: Prompter;
  /** Prints one line between questions (notes such as "plan-only"). */
  say: (line: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** The profiles a CA's directory lists (name → description); the wizard offers them for an ACME directory URL. */
  caProfiles?: (directoryUrl: string) => Promise<Record<string, string>>;
  /** With a token: the droplet prices DigitalOcean's API lists (slug → USD a month), or why they could not be read. */
  sizePrices?: (token: string) => Promise<ReadonlyMap<string, number> | { unreadable: string }>;
}

export interface WizardAnswers {
  config: Config;
  /** The DigitalOcean token, kept in memory only; undefined means plan-only. */
  token: string | undefined;
}

export const PLAN_ONLY_NOTE = 'No DigitalOcean token: plan-only. swarm-wiz writes every file and shows what it would create; nothing is created in the cloud.';

/** Where the token comes from: the environment, else a masked question; empty means plan-only. */
export async function askToken({ prompter, say, env }: WizardDeps): Promise<string | undefined> {
  const fromEnv = env.DIGITALOCEAN_TOKEN?.trim();
  if (fromEnv) {
    say('Using the DigitalOcean token from DIGITALOCEAN_TOKEN.');
    return fromEnv;
  }
  const typed = (await prompter.password({ message: 'DigitalOcean API token (leave empty for plan-only)' })).trim();
  if (typed === '') {
    say(PLAN_ONLY_NOTE);
    return undefined;
  }
  return typed;
}

/** The droplet prices for the size question; unreadable ones are said, and the sizes listed without them. */
async function askPrices({ sizePrices, say }: WizardDeps, token: string): Promise<ReadonlyMap<string, number> | undefined> {
  if (!sizePrices) return undefined;
  const prices = await sizePrices(token);
  if (!('unreadable' in prices)) return prices;
  say(`${prices.unreadable}. The sizes are listed without prices.`);
  return undefined;
}

async function askSites(prompter: Prompter): Promise<SiteInput[]> {
  const sites: SiteInput[] = [];
  const taken = takenBy(sites);
  do {
    sites.push(await askSite(prompter, taken));
  } while (await prompter.confirm({ message: 'Add another domain?', default: false }));
  return sites;
}

/** For a CA given by URL whose directory lists profiles: which one to order (or the CA's default). Unreadable: not asked. */
async function askProfile(prompter: Prompter, directoryUrl: string, caProfiles: WizardDeps['caProfiles']): Promise<string | undefined> {
  const offered: Record<string, string> = caProfiles ? await caProfiles(directoryUrl).catch(() => ({})) : {};
  const names = Object.keys(offered);
  if (names.length === 0) return undefined;
  const choices = [
    { value: '', name: "the CA's default", description: 'no profile in the order' },
    ...names.map((name) => ({ value: name, name, ...(offered[name] ? { description: offered[name] } : {}) })),
  ];
  const profile = await prompter.select({ message: 'Certificate profile', choices, default: '' });
  return profile === '' ? undefined : profile;
}

async function askCertificates(prompter: Prompter, sites: readonly SiteInput[], caProfiles?: WizardDeps['caProfiles']): Promise<Pick<ConfigInput, 'certificates' | 'registry'>> {
  const firstDomain = sites[0]?.domain.replace(/^\*\./, '');
  const emailDefault = firstDomain ? `ops@${firstDomain}` : undefined;
  const email = (
    await prompter.input({ message: "E-mail for Let's Encrypt (your account's contact, for recovery; it sends no expiry mail: status --check is the alarm)", ...(emailDefault && validateEmail(emailDefault) === true ? { default: emailDefault } : {}), validate: validateEmail })
  ).trim();
  const caChoice = await prompter.select({ message: 'Certificate authority', choices: CA_CHOICES, default: 'staging' });
  const ca = caChoice === 'url' ? (await prompter.input({ message: 'ACME directory URL (https://…)', validate: validateCaUrl })).trim() : caChoice;
  const profile = caChoice === 'url' ? await askProfile(prompter, ca, caProfiles) : undefined;
  const hasWildcard = sites.some((site) => [site.domain, ...(site.aliases ?? [])].some((host) => host.startsWith('*.')));
  const challenge = await prompter.select({
    message: 'How to prove you own the domains',
    choices: challengeChoices(hasWildcard),
    default: hasWildcard ? 'dns-01' : 'http-01',
  });
  const delivery = await prompter.select({ message: 'How certificates reach the proxy', choices: DELIVERY_CHOICES, default: 'files' });
  const registry =
    delivery === 'image'
      ? (await prompter.input({ message: 'Registry to push the proxy image to (like registry.digitalocean.com/me)', validate: validateRegistry })).trim()
      : undefined;
  return { certificates: { email, ca, challenge, delivery, ...(profile ? { profile } : {}) }, ...(registry ? { registry } : {}) };
}

/**
 * The whole first-run interview, in the order a person thinks about it: project, token, machines,
 * domains and services, proxy placement, certificates. Returns a validated config.
 */
export async function askNewProject(deps: WizardDeps, defaults: { project?: string } = {}): Promise<WizardAnswers> {
  const { prompter } = deps;
  const suggested = defaults.project && validateProject(defaults.project) === true ? defaults.project : 'demo';
  const project = (await prompter.input({ message: 'Project name (the stack name)', default: suggested, validate: validateProject })).trim();
  const token = await askToken(deps);
  const region = await prompter.select({ message: 'Region', choices: REGIONS, default: 'fra1' });
  const prices = token ? await askPrices(deps, token) : undefined;
  const size = await prompter.select({ message: 'Droplet size', choices: sizeChoices(prices), default: 's-1vcpu-2gb' });
  const managers = await prompter.select({ message: 'Managers', choices: MANAGER_COUNTS, default: 1 });
  const workers = Number((await prompter.input({ message: 'Workers (0–50)', default: '3', validate: validateWorkers })).trim());
  const sites = await askSites(prompter);
  const topology = await prompter.select({
    message: 'Where the NGINX proxy runs',
    choices: topologyChoices(workers, sites.length),
    default: 'manager',
  });
  const certs = await askCertificates(prompter, sites, deps.caProfiles);
  const config = parseConfig({ project, region, size, managers, workers, topology, sites, ...certs });
  return { config, token };
}
