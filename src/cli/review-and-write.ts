import type { Config } from '../config/index.js';
import { saveConfig } from '../config/index.js';
import type { WizardDeps } from '../wizard/ask-new-project.js';
import type { ProjectPaths } from './common-options.js';
import { CliExit, EXIT } from './exit.js';
import type { CliIo } from './io.js';
import type { OnEdit } from '../plan/index.js';
import { chooseOnEdit, stopIfEdited } from './file-guard.js';
import { confirmPreview, failedFilesMessage, previewWithCloud, rewriteChangedFiles, writeDecidedFiles } from './project-output.js';
import { reviewText } from './project-screens.js';
import { afterInk } from './terminal-handoff.js';

// The DigitalOcean client and the provisioning engine are imported only when there is a token.

/**
 * Review screen (each changed file's diff) → what to do with files edited by hand, if any → confirm →
 * save swarm-wiz.yaml → live file list → provisioning (with a token). `onEdit` is --on-edit.
 */
export async function reviewAndWrite(io: CliIo, deps: WizardDeps, paths: ProjectPaths, config: Config, token: string | undefined, onEdit?: OnEdit): Promise<void> {
  const preview = await previewWithCloud(io, config, paths.dir, token, true);
  io.stdout.write(`\n${reviewText(preview, io.stdout.columns || 160, onEdit ?? preview.inspection.records.onEdit)}\n\n`);
  afterInk(io);
  const choice = await chooseOnEdit(io, preview.inspection, { ...(onEdit ? { flag: onEdit } : {}), interactive: true });
  await confirmPreview(deps.prompter, preview);
  // Decided for every file before the first write (swarm-wiz.yaml included).
  await stopIfEdited(paths.dir, preview.inspection, choice);

  await saveConfig(paths.configPath, config);
  deps.say(`Saved ${paths.configPath}`);
  const outcome = await writeDecidedFiles(io, paths.dir, preview.inspection, choice, 'ink');
  if (outcome.failed.length > 0) throw new CliExit(EXIT.failure, failedFilesMessage(outcome));
  if (token) {
    const { provisionCloud } = await import('./provision-cloud.js');
    const result = await provisionCloud({ config, dir: paths.dir, token, io });
    await rewriteChangedFiles(io, config, paths.dir, result.state, preview.files, choice.onEdit, 'ink');
    afterInk(io);
    const now = await deps.prompter.confirm({ message: 'The droplets exist. Deploy now (swarm, stack and certificates, over SSH)?', default: true });
    if (!now) {
      deps.say(`Not deployed. To deploy later: swarm-wiz apply --config ${paths.configPath} --yes`);
      return;
    }
    const [{ deployDropletsCommand }, { dnsChallengeApi }] = await Promise.all([import('./deploy-droplets.js'), import('./dns-api.js')]);
    const cloudApi = await dnsChallengeApi(io, config);
    await deployDropletsCommand({ config, dir: paths.dir, io, json: false, ...(cloudApi ? { cloudApi } : {}) });
    deps.say(`Done. Next: swarm-wiz certs --config ${paths.configPath} shows each domain's certificate.`);
    return;
  }
  if (preview.target === 'local') {
    // A project deployed on this machine (apply --target local): the change goes there too.
    const [{ deployLocally }, { dnsChallengeApi }] = await Promise.all([import('./apply-local.js'), import('./dns-api.js')]);
    const cloudApi = await dnsChallengeApi(io, config);
    await deployLocally(io, config, paths.dir, { json: false, ...(cloudApi ? { cloudApi } : {}) });
    deps.say('Done: this machine runs the change.');
    return;
  }
  deps.say('Plan-only: nothing was created in DigitalOcean.');
  deps.say(`To create it: export DIGITALOCEAN_TOKEN=… and run: swarm-wiz apply --config ${paths.configPath} --yes`);
}
