import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, saveConfig, type Config } from '../../config/index.js';
import { loadState } from '../../state/index.js';
import { askNewProject, askToken, type WizardDeps } from '../../wizard/ask-new-project.js';
import { askAdditionalSite, chooseExistingProjectAction, commandFor } from '../../wizard/existing-project.js';
import { inquirerPrompter } from '../../wizard/prompter.js';
import { projectPaths, withCommonOptions, type CommonOptions, type ProjectPaths } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { writeLine, type CliIo } from '../io.js';
import { failedFilesMessage, previewProject, reviewText, rewriteChangedFiles, writeFilesWithProgress } from '../project-output.js';
import { lookUpCloud } from '../cloud-lookup.js';
import { provisionCloud } from '../provision-cloud.js';
import { afterInk, releaseStdin } from '../terminal-handoff.js';

/** What `swarm-wiz` without a terminal prints instead of waiting for answers that never come. */
export const NON_INTERACTIVE_HELP = [
  'swarm-wiz asks its questions in a terminal, and there is none here (stdin or stdout is not a TTY).',
  'To run without questions:',
  '  swarm-wiz apply --config swarm-wiz.yaml --yes    apply an existing project file',
  "  swarm-wiz apply --example --dir out              write the seed's example project (a.com, b.com, c.com), plan-only",
].join('\n');

export function registerWizardCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('wizard', { isDefault: true }))
    .description('the interactive setup (default): asks, shows the plan, writes the files; with an existing project offers add a domain, status, renew, re-apply')
    .action(async (options: CommonOptions) => {
      try {
        await wizardCommand(options, io, (name) => program.commands.some((command) => command.name() === name));
      } finally {
        releaseStdin(io);
      }
    });
}

async function wizardCommand(options: CommonOptions, io: CliIo, hasCommand: (name: string) => boolean): Promise<void> {
  if (!io.isTTY) throw new CliExit(EXIT.usage, NON_INTERACTIVE_HELP);
  const paths = projectPaths(options, io);
  const deps: WizardDeps = {
    prompter: io.prompter ?? inquirerPrompter({ input: io.stdin, output: io.stdout }),
    say: (line) => writeLine(io.stdout, line),
    env: io.env,
  };
  const exists = await access(paths.configPath).then(
    () => true,
    () => false,
  );
  if (!exists) {
    deps.say(`swarm-wiz: a new project in ${paths.dir}`);
    const { config, token } = await askNewProject(deps, { project: basename(paths.dir) });
    await reviewAndWrite(io, deps, paths, config, token, options.verbose);
    return;
  }

  const config = await loadConfig(paths.configPath);
  const action = await chooseExistingProjectAction(deps.prompter, config.project, hasCommand);
  switch (action) {
    case 'add-domain': {
      const grown = await askAdditionalSite(deps.prompter, config);
      await reviewAndWrite(io, deps, paths, grown, await askToken(deps), options.verbose);
      return;
    }
    case 'status':
    case 'renew': {
      // Another engineer's command, run exactly as if typed; imported late to avoid a module cycle.
      const { runCli } = await import('../run-cli.js');
      const command = commandFor(action, hasCommand) ?? action;
      const code = await runCli([command, '--config', paths.configPath, '--dir', paths.dir], io);
      if (code !== EXIT.ok) throw new CliExit(code);
      return;
    }
    case 're-apply':
      await reviewAndWrite(io, deps, paths, config, await askToken(deps), options.verbose);
      return;
    case 'quit':
      deps.say('Nothing changed.');
      return;
  }
}

/** Review screen → confirm → save swarm-wiz.yaml → live file list → provisioning (with a token). */
async function reviewAndWrite(io: CliIo, deps: WizardDeps, paths: ProjectPaths, config: Config, askedToken: string | undefined, verbose: boolean): Promise<void> {
  const token = askedToken;
  const recorded = await loadState(paths.dir, config.project);
  const { state, facts } = token ? await lookUpCloud(config, recorded, token, io) : { state: recorded, facts: {} };
  const preview = previewProject(config, paths.dir, state, { planOnly: !token, savesConfig: true, facts });
  io.stdout.write(`\n${reviewText(preview, io.stdout.columns || 160)}\n\n`);
  afterInk(io);
  const go = await deps.prompter.confirm({
    message: token ? 'Write these files and make these changes in DigitalOcean?' : 'Write these files?',
    default: true,
  });
  if (!go) throw new CliExit(EXIT.failure, 'Cancelled; nothing was written.');

  await saveConfig(paths.configPath, config);
  deps.say(`Saved ${paths.configPath}`);
  const outcome = await writeFilesWithProgress(io, paths.dir, preview.files, 'ink');
  if (outcome.failed.length > 0) throw new CliExit(EXIT.failure, failedFilesMessage(outcome));
  if (token) {
    const result = await provisionCloud({ config, dir: paths.dir, token, io, verbose });
    await rewriteChangedFiles(io, config, paths.dir, result.state, preview.files, 'ink');
    deps.say(`Done. Next: swarm-wiz certs --config ${paths.configPath} shows each domain's certificate.`);
    return;
  }
  deps.say('Plan-only: nothing was created in DigitalOcean.');
  deps.say(`To create it: export DIGITALOCEAN_TOKEN=… and run: swarm-wiz apply --config ${paths.configPath} --yes`);
}
