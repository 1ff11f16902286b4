import type { Command } from 'commander';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { ON_EDIT_HELP, parseOnEdit } from '../on-edit-option.js';
import { wizardDeps, type CliIo } from '../io.js';
import { releaseStdin } from '../terminal-handoff.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

/** `swarm-wiz add-domain`: asks one more site, then reviews and applies only what changes. */
export function registerAddDomainCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('add-domain'))
    .description('ask a domain, its service, port and private services; review, then write and apply the change')
    .option('--on-edit <choice>', ON_EDIT_HELP)
    .action(async (options: AddDomainOptions) => {
      try {
        await addDomainCommand(options, io);
      } finally {
        releaseStdin(io);
      }
    });
}

interface AddDomainOptions extends CommonOptions {
  onEdit?: string;
}

async function addDomainCommand(options: AddDomainOptions, io: CliIo): Promise<void> {
  const onEdit = parseOnEdit(options.onEdit);
  if (!io.isTTY) {
    throw new CliExit(EXIT.usage, 'add-domain asks its questions in a terminal, and there is none here. Without one: add the site under sites: in swarm-wiz.yaml and run swarm-wiz apply --yes.');
  }
  const [{ loadConfig }, { askToken }, { askAdditionalSite }, { reviewAndWrite }, deps] = await Promise.all([
    import('../../config/index.js'),
    import('../../wizard/ask-new-project.js'),
    import('../../wizard/existing-project.js'),
    import('../review-and-write.js'),
    wizardDeps(io),
  ]);
  const paths = projectPaths(options, io);
  const config = await loadConfig(paths.configPath);
  const grown = await askAdditionalSite(deps.prompter, config);
  await reviewAndWrite(io, deps, paths, grown, await askToken(deps), onEdit);
}
