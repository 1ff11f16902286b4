import type { OnEdit } from '../app/plan-text.js';
import type { Config } from '../config/index.js';
import type { WizardDeps } from '../wizard/ask-new-project.js';
import type { ProjectPaths } from './common-options.js';
import { cloudEnv, invocation, localEngineReady, writeLine, type CliIo } from './io.js';
import { liveRunIo } from './live-run.js';
import { askOnEdit, confirmPreview, filesIo } from './project-display.js';
import { reviewText } from '../../screens/project-text.js';
import { afterInk } from './terminal-handoff.js';

/**
 * The wizard's end: review screen (each changed file's diff) → what to do with files edited by hand,
 * if any → confirm → save swarm-wiz.yaml → live file list → with a token, the droplets and (asked)
 * the deploy; a project deployed on this machine gets the change there. `onEdit` is --on-edit.
 * Returns where the project went; plan-only leaves the closing lines to the caller (wizardCommand's offer).
 */
export async function reviewAndWrite(io: CliIo, deps: WizardDeps, paths: ProjectPaths, config: Config, token: string | undefined, onEdit?: OnEdit): Promise<'plan-only' | 'local' | 'digitalocean'> {
  const [{ apply }, { chooseOnEdit }] = await Promise.all([import('../app/apply.js'), import('../app/project-files.js')]);
  const outcome = await apply(
    {
      config: { from: 'answers', path: paths.configPath, config },
      dir: paths.dir,
      target: 'as-recorded',
      cloudOnly: false,
      // The token is the wizard's answer; the rest of what reaches DigitalOcean comes from the environment.
      credentials: { ...cloudEnv(io.env), token, env: io.env },
      ...(onEdit ? { onEdit } : {}),
    },
    {
      ...liveRunIo(io, { json: false, command: 'apply' }),
      decideEdits: async (preview, flag) => {
        io.stdout.write(`\n${reviewText(preview, io.stdout.columns || 160, flag ?? preview.inspection.records.onEdit)}\n\n`);
        afterInk(io);
        const choice = await chooseOnEdit(preview.inspection, { ...(flag ? { flag } : {}), ask: askOnEdit(io) });
        await confirmPreview(deps.prompter, preview);
        return choice;
      },
      files: { ...filesIo(io, 'ink'), savedConfig: (path) => deps.say(`Saved ${path}`) },
      note: (line) => writeLine(io.stderr, line),
      deployNow: () => {
        afterInk(io);
        return deps.prompter.confirm({ message: 'The droplets exist. Deploy now (swarm, stack and certificates, over SSH)?', default: true });
      },
    },
  );
  const swarmWiz = invocation(io.env);
  if (outcome.target === 'digitalocean') {
    const { deploy } = outcome;
    if ('issued' in deploy) {
      if (deploy.issued.length > 0) writeLine(io.stdout, `Certificates ordered and rolled out: ${deploy.issued.join(', ')}.`);
      deps.say(`Done. Next: ${swarmWiz} certs --config ${paths.configPath} shows each domain's certificate.`);
    } else {
      deps.say(typeof deploy.not === 'object' ? deploy.not.missing : `Not deployed. To deploy later: ${swarmWiz} apply --config ${paths.configPath} --yes`);
    }
    return outcome.target;
  }
  if (outcome.target === 'local') {
    writeLine(io.stdout, `Serving on this machine (ports 80 and 443): ${config.sites.map((site) => `https://${site.domain}/`).join(' ')}`);
    deps.say('Done: this machine runs the change.');
    return outcome.target;
  }
  deps.say('Plan-only: nothing was created in DigitalOcean.');
  return outcome.target;
}

/** The commands the closing lines name, spelled the way swarm-wiz was started (`npm start --` or `swarm-wiz`). */
export function nextCommands(io: CliIo, configPath: string): { tryLocally: string; create: string } {
  const swarmWiz = invocation(io.env);
  return { tryLocally: `${swarmWiz} apply --target local --config ${configPath}`, create: `export DIGITALOCEAN_TOKEN=… and run: ${swarmWiz} apply --config ${configPath} --yes` };
}

/** The question that offers the safe first step: the project on this machine's Docker engine, before any droplet is paid for. */
export const TRY_LOCALLY_QUESTION =
  "A Docker engine answers on this machine. Try the project here first, before paying for any droplet? (apply --target local: this machine's engine runs it as a one-node swarm)";

/**
 * The end of a plan-only wizard: where a Docker engine answers, the offer to try the project here
 * (`tryLocally` runs apply --target local); then the next commands, named as swarm-wiz was started.
 */
export async function closePlanOnly(io: CliIo, deps: WizardDeps, configPath: string, tryLocally: () => Promise<void>): Promise<void> {
  const next = nextCommands(io, configPath);
  const engine = await localEngineReady(io);
  afterInk(io);
  if (engine && (await deps.prompter.confirm({ message: TRY_LOCALLY_QUESTION, default: true }))) {
    await tryLocally();
    deps.say(`When it works here, create it at DigitalOcean: ${next.create}`);
    return;
  }
  deps.say(engine ? `To try it on this machine later: ${next.tryLocally}` : `To try it on this machine first (free; needs a Docker engine, and none answers here now): ${next.tryLocally}`);
  deps.say(`To create it at DigitalOcean: ${next.create}`);
}
