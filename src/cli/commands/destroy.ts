import type { Command } from 'commander';
import { showValue } from '../../config/show-value.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { cloudEnv, prompterOf, writeLine, type CliIo } from '../io.js';
import { releaseStdin } from '../terminal-handoff.js';
import { liveRunIo } from '../live-run.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

interface DestroyOptions extends CommonOptions {
  confirm?: string;
}

/** `swarm-wiz destroy`: deletes what the state lists, after the project name is typed. */
export function registerDestroyCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('destroy'))
    .description('delete every cloud resource listed in .swarm-wiz/state.json, after you type the project name')
    .option('--confirm <project>', 'the project name, to confirm without a prompt (--yes alone is not enough)')
    .action(async (options: DestroyOptions) => {
      try {
        await destroyCommand(options, io);
      } finally {
        releaseStdin(io);
      }
    });
}

async function destroyCommand(options: DestroyOptions, io: CliIo): Promise<void> {
  const [{ destroy }, { formatStep }] = await Promise.all([import('../../app/destroy.js'), import('../../app/plan-text.js')]);
  const { configPath, dir } = projectPaths(options, io);
  const outcome = await destroy(
    { configPath, dir, credentials: { ...cloudEnv(io.env), env: io.env } },
    {
      ...liveRunIo(io, { json: options.json, command: 'destroy' }),
      confirm: async ({ project, steps, statePath }) => {
        if (!options.json) {
          writeLine(io.stdout, `This deletes, at DigitalOcean, exactly what ${statePath} lists:`);
          for (const step of steps) writeLine(io.stdout, formatStep(step));
          writeLine(io.stdout);
        }
        await confirmProject(options, io, project);
      },
    },
  );
  if (outcome.deleted === 0) writeLine(io.stdout, `Nothing to destroy: ${outcome.statePath} lists no resources of ${outcome.project}.`);
  else if (!options.json) writeLine(io.stdout, `Destroyed ${outcome.project}: ${outcome.deleted} resources deleted; ${outcome.statePath} lists none.`);
}

/** The project name must be typed (or given with --confirm); without a terminal --confirm is required. */
async function confirmProject(options: DestroyOptions, io: CliIo, project: string): Promise<void> {
  if (options.confirm !== undefined) {
    if (options.confirm !== project) throw new CliExit(EXIT.usage, `--confirm ${showValue(options.confirm)} is not the project name ${showValue(project)}. Nothing was deleted.`);
    return;
  }
  if (!io.isTTY) {
    throw new CliExit(EXIT.usage, `destroy needs --confirm ${project} when there is no terminal to type the name in (--yes is not enough). Nothing was deleted.`);
  }
  const prompter = await prompterOf(io);
  const typed = await prompter.input({ message: `Type the project name (${project}) to delete all of the above` });
  if (typed.trim() !== project) throw new CliExit(EXIT.usage, `${showValue(typed.trim())} is not ${showValue(project)}. Nothing was deleted.`);
}
