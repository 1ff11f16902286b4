import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { showKey } from '../../config/show-value.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { ON_EDIT_HELP, parseOnEdit } from '../on-edit-option.js';
import { wizardDeps, type CliIo } from '../io.js';
import { releaseStdin } from '../terminal-handoff.js';
import { changingProject } from '../../app/project-lock.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

/** What `swarm-wiz` without a terminal prints instead of waiting for answers that never come. */
export const NON_INTERACTIVE_HELP = [
  'swarm-wiz asks its questions in a terminal, and there is none here (stdin or stdout is not a TTY).',
  'To run without questions:',
  '  swarm-wiz apply --config swarm-wiz.yaml --yes    apply an existing project file',
  "  swarm-wiz apply --example --dir out              write the article's example project (a.com, b.com, c.com), plan-only",
].join('\n');

export function registerWizardCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('wizard', { isDefault: true }))
    .description('the interactive setup (default): asks, shows the plan, writes the files; with an existing project offers add a domain, status, renew, deploy a service, re-apply, destroy')
    // As the default command it receives `swarm-wiz foo`'s foo: refused below as an unknown command.
    .allowExcessArguments()
    .option('--on-edit <choice>', ON_EDIT_HELP)
    .action(async (options: WizardOptions, command: Command) => {
      const [unknown] = command.args;
      if (unknown !== undefined) throw new CliExit(EXIT.usage, unknownCommand(program, unknown));
      try {
        await wizardCommand(options, io, program);
      } finally {
        releaseStdin(io);
      }
    });
}

interface WizardOptions extends CommonOptions {
  onEdit?: string;
}

/** `unknown command 'foo'` and every command there is (aliases in brackets). */
function unknownCommand(program: Command, name: string): string {
  const commands = program.commands.map((command) => `${command.name()}${command.aliases().length > 0 ? ` (or ${command.aliases().join(', ')})` : ''}`);
  return [`unknown command '${showKey(name)}'`, `Commands: ${commands.join(', ')}`, `Run ${program.name()} --help for what each does.`].join('\n');
}

/** The program's command called `name` (or aliased so), if this build has it. */
function commandNamed(program: Command, name: string): Command | undefined {
  return program.commands.find((command) => command.name() === name || command.aliases().includes(name));
}

async function wizardCommand(options: WizardOptions, io: CliIo, program: Command): Promise<void> {
  const hasCommand = (name: string) => commandNamed(program, name) !== undefined;
  const onEdit = parseOnEdit(options.onEdit);
  if (!io.isTTY) throw new CliExit(EXIT.usage, NON_INTERACTIVE_HELP);
  // The review and its Ink screens are loaded once the answers are in, not before the first question.
  const [{ loadConfig }, { askNewProject, askToken }, { askServiceImage, chooseExistingProjectAction, commandFor }, deps] = await Promise.all([
    import('../../config/index.js'),
    import('../../wizard/ask-new-project.js'),
    import('../../wizard/existing-project.js'),
    wizardDeps(io),
  ]);
  const paths = projectPaths(options, io);
  // Writing the project (and applying it) holds the project lock, like apply.
  const reviewAndWrite: (typeof import('../review-and-write.js'))['reviewAndWrite'] = async (...args) =>
    changingProject(paths.dir, 'wizard', async () => (await import('../review-and-write.js')).reviewAndWrite(...args));
  const exists = await access(paths.configPath).then(
    () => true,
    () => false,
  );
  // Plan-only: the offer to try it on this machine first (apply --target local, as if typed), then the next commands.
  const closePlanOnly = async () =>
    (await import('../review-and-write.js')).closePlanOnly(io, deps, paths.configPath, async () => {
      const apply = commandNamed(program, 'apply');
      if (!apply) throw new CliExit(EXIT.usage, 'apply is not available in this build of swarm-wiz');
      await apply.parseAsync(['--target', 'local', '--yes', '--config', paths.configPath, '--dir', paths.dir], { from: 'user' });
    });
  if (!exists) {
    deps.say(`swarm-wiz: a new project in ${paths.dir}`);
    const { config, token } = await askNewProject(deps, { project: basename(paths.dir) });
    if ((await reviewAndWrite(io, deps, paths, config, token, onEdit)) === 'plan-only') await closePlanOnly();
    return;
  }

  const config = await loadConfig(paths.configPath);
  const action = await chooseExistingProjectAction(deps.prompter, config.project, hasCommand);
  // Another command, run exactly as if typed after `swarm-wiz`: its failure (CliExit, ConfigError, …)
  // propagates to runCli like any command's.
  const run = async (args: string[] = []) => {
    const command = commandNamed(program, commandFor(action, hasCommand) ?? action);
    if (!command) throw new CliExit(EXIT.usage, `${action} is not available in this build of swarm-wiz`);
    await command.parseAsync([...args, '--config', paths.configPath, '--dir', paths.dir], { from: 'user' });
  };
  switch (action) {
    case 'add-domain':
      await run(options.onEdit ? ['--on-edit', options.onEdit] : []);
      return;
    case 'status':
    case 'renew':
    case 'destroy':
      await run();
      return;
    case 'deploy': {
      const { service, image } = await askServiceImage(deps.prompter, config);
      await run([service, '--image', image]);
      return;
    }
    case 're-apply':
      if ((await reviewAndWrite(io, deps, paths, config, await askToken(deps), onEdit)) === 'plan-only') await closePlanOnly();
      return;
    case 'quit':
      deps.say('Nothing changed.');
      return;
  }
}
