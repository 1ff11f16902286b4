import type { OnEdit } from '../app/plan-text.js';
import type { Config } from '../config/index.js';
import type { WizardDeps } from '../wizard/ask-new-project.js';
import type { ProjectPaths } from './common-options.js';
import { cloudEnv, writeLine, type CliIo } from './io.js';
import { liveRunIo } from './live-run.js';
import { askOnEdit, confirmPreview, filesIo } from './project-display.js';
import { reviewText } from '../../screens/project-text.js';
import { afterInk } from './terminal-handoff.js';

/**
 * The wizard's end: review screen (each changed file's diff) → what to do with files edited by hand,
 * if any → confirm → save swarm-wiz.yaml → live file list → with a token, the droplets and (asked)
 * the deploy; a project deployed on this machine gets the change there. `onEdit` is --on-edit.
 */
export async function reviewAndWrite(io: CliIo, deps: WizardDeps, paths: ProjectPaths, config: Config, token: string | undefined, onEdit?: OnEdit): Promise<void> {
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
  if (outcome.target === 'digitalocean') {
    const { deploy } = outcome;
    if ('issued' in deploy) {
      if (deploy.issued.length > 0) writeLine(io.stdout, `Certificates ordered and rolled out: ${deploy.issued.join(', ')}.`);
      deps.say(`Done. Next: swarm-wiz certs --config ${paths.configPath} shows each domain's certificate.`);
    } else {
      deps.say(typeof deploy.not === 'object' ? deploy.not.missing : `Not deployed. To deploy later: swarm-wiz apply --config ${paths.configPath} --yes`);
    }
    return;
  }
  if (outcome.target === 'local') {
    writeLine(io.stdout, `Serving on this machine (ports 80 and 443): ${config.sites.map((site) => `https://${site.domain}/`).join(' ')}`);
    deps.say('Done: this machine runs the change.');
    return;
  }
  deps.say('Plan-only: nothing was created in DigitalOcean.');
  deps.say(`To create it: export DIGITALOCEAN_TOKEN=… and run: swarm-wiz apply --config ${paths.configPath} --yes`);
}
