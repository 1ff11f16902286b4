import { parseConfig, type Config } from '../config/index.js';
import { askSite, takenBy } from './ask-site.js';
import type { Choice, Prompter } from './prompter.js';
import { validateImage, validateWorkers } from './validators.js';

export type ExistingProjectAction = 'add-domain' | 'status' | 'renew' | 'deploy' | 're-apply' | 'destroy' | 'quit';

const ACTIONS: readonly { value: ExistingProjectAction; name: string; description: string; commands?: readonly string[] }[] = [
  { value: 'add-domain', name: 'Add a domain', description: 'asks domain, service, port, private services; checks its DNS, shows only what changes, applies it', commands: ['add-domain'] },
  // `status` (nodes, services, what is served) when this build has it, else `certs` (the certificate view).
  { value: 'status', name: 'Status', description: 'nodes, services, what each entry serves per domain, certificates', commands: ['status', 'certs'] },
  { value: 'renew', name: 'Renew certificates now', description: 'renews the certificates that are due and rolls them out', commands: ['renew'] },
  { value: 'deploy', name: 'Deploy a service', description: 'rolls out a new image of one service, rolled back if it fails', commands: ['deploy'] },
  { value: 're-apply', name: 'Re-apply', description: 'writes every file again from swarm-wiz.yaml (and provisions with a token)' },
  { value: 'destroy', name: 'Destroy', description: 'deletes the droplets and everything swarm-wiz created (asks for the project name)', commands: ['destroy'] },
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

/** Which service to deploy and the image: asked from the menu (the image defaults to the one it runs now). */
export async function askServiceImage(prompter: Prompter, config: Config): Promise<{ service: string; image: string }> {
  const services = config.sites.flatMap((site) => [site.service, ...site.private]);
  const service = await prompter.select({
    message: 'Which service?',
    choices: services.map((svc) => ({ value: svc.name, name: svc.name, description: `runs ${svc.image}` })),
  });
  const current = services.find((svc) => svc.name === service)!.image;
  const image = (await prompter.input({ message: `${service}: the new image`, default: current, validate: validateImage })).trim();
  return { service, image };
}
