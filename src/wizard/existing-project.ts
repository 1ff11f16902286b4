import { parseConfig, type Config } from '../config/index.js';
import { askSite, takenBy } from './ask-site.js';
import type { Choice, Prompter } from './prompter.js';
import { validateWorkers } from './validators.js';

export type ExistingProjectAction = 'add-domain' | 'status' | 'renew' | 're-apply' | 'quit';

const ACTIONS: readonly { value: ExistingProjectAction; name: string; description: string; commands?: readonly string[] }[] = [
  { value: 'add-domain', name: 'Add a domain', description: 'asks domain, service, port, private services; then re-applies' },
  // `status` (nodes, services, certificates) when it exists, else `certs` (the certificate status screen).
  { value: 'status', name: 'Status', description: 'nodes, services, what each entry serves per domain, certificates', commands: ['status', 'certs'] },
  { value: 'renew', name: 'Renew certificates', description: 'renews the certificates that are due', commands: ['renew'] },
  { value: 're-apply', name: 'Re-apply', description: 'writes every file again from swarm-wiz.yaml (and provisions with a token)' },
  { value: 'quit', name: 'Quit', description: 'change nothing' },
];

/**
 * The menu shown when the directory already has a swarm-wiz.yaml. `hasCommand` says which
 * commands this build has; the others are listed but disabled as "not available yet".
 */
export async function chooseExistingProjectAction(
  prompter: Prompter,
  project: string,
  hasCommand: (name: string) => boolean,
): Promise<ExistingProjectAction> {
  const choices: Choice<ExistingProjectAction>[] = ACTIONS.map((action) => ({
    value: action.value,
    name: action.name,
    description: action.description,
    disabled: action.commands !== undefined && !action.commands.some(hasCommand) ? 'not available yet in this build' : false,
  }));
  return prompter.select({ message: `Project ${project} already exists here. What do you want to do?`, choices, default: 'add-domain' });
}

/** The command a menu action runs (the first of its commands this build has), if it runs one. */
export function commandFor(action: ExistingProjectAction, hasCommand: (name: string) => boolean): string | undefined {
  return ACTIONS.find((a) => a.value === action)?.commands?.find(hasCommand);
}

/**
 * Asks one more site and returns the project with it, validated as a whole. With topology
 * per-domain one more domain needs one more worker: that is asked too, rather than refused.
 */
export async function askAdditionalSite(prompter: Prompter, config: Config): Promise<Config> {
  const site = await askSite(prompter, takenBy(config.sites));
  const sites = [...config.sites, site];
  let workers = config.workers;
  if (config.topology === 'per-domain' && workers < sites.length) {
    const needed = sites.length;
    const validate = (answer: string) => {
      const valid = validateWorkers(answer);
      if (valid !== true) return valid;
      return Number(answer.trim()) >= needed ? true : `topology per-domain puts each of the ${needed} domains on its own worker: at least ${needed} are needed`;
    };
    workers = Number((await prompter.input({ message: `Workers (per-domain needs one per domain: at least ${needed})`, default: String(needed), validate })).trim());
  }
  return parseConfig({ ...config, workers, sites });
}
