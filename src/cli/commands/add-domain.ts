import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { askToken, type WizardDeps } from '../../wizard/ask-new-project.js';
import { askAdditionalSite } from '../../wizard/existing-project.js';
import { inquirerPrompter } from '../../wizard/prompter.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { writeLine, type CliIo } from '../io.js';
import { reviewAndWrite } from '../review-and-write.js';
import { releaseStdin } from '../terminal-handoff.js';

/** `swarm-wiz add-domain`: asks one more site, then reviews and applies only what changes. */
export function registerAddDomainCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('add-domain'))
    .description('ask a domain, its service, port and private services; review, then write and apply the change')
    .action(async (options: CommonOptions) => {
      try {
        await addDomainCommand(options, io);
      } finally {
        releaseStdin(io);
      }
    });
}

async function addDomainCommand(options: CommonOptions, io: CliIo): Promise<void> {
  if (!io.isTTY) {
    throw new CliExit(EXIT.usage, 'add-domain asks its questions in a terminal, and there is none here. Without one: add the site under sites: in swarm-wiz.yaml and run swarm-wiz apply --yes.');
  }
  const paths = projectPaths(options, io);
  const config = await loadConfig(paths.configPath);
  const deps: WizardDeps = {
    prompter: io.prompter ?? inquirerPrompter({ input: io.stdin, output: io.stdout }),
    say: (line) => writeLine(io.stdout, line),
    env: io.env,
  };
  const grown = await askAdditionalSite(deps.prompter, config);
  await reviewAndWrite(io, deps, paths, grown, await askToken(deps), options.verbose);
}
