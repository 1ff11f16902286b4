import type { Command } from 'commander';
import { showValue } from '../../config/show-value.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { cloudEnv, prompterOf, writeLine, type CliIo } from '../io.js';
import { releaseStdin } from '../terminal-handoff.js';
import { changingProject } from '../../app/project-lock.js';

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
        // Held before the state is read and the name is asked, so a destroy never asks while another command changes the project.
        await changingProject(projectPaths(options, io).dir, 'destroy', () => destroyCommand(options, io));
      } finally {
        releaseStdin(io);
      }
    });
}

async function destroyCommand(options: DestroyOptions, io: CliIo): Promise<void> {
  const [{ loadConfig }, { formatStep, planDestroy }, { statePath }, { loadProjectState }] = await Promise.all([
    import('../../config/index.js'),
    import('../../plan/index.js'),
    import('../../state/index.js'),
    import('../../app/project-state.js'),
  ]);
  const { configPath, dir } = projectPaths(options, io);
  const config = await loadConfig(configPath);
  const project = config.project;
  const steps = planDestroy(await loadProjectState(dir, project, (line) => writeLine(io.stderr, line)));
  if (steps.length === 0) {
    writeLine(io.stdout, `Nothing to destroy: ${statePath(dir)} lists no resources of ${project}.`);
    return;
  }
  if (!options.json) {
    writeLine(io.stdout, `This deletes, at DigitalOcean, exactly what ${statePath(dir)} lists:`);
    for (const step of steps) writeLine(io.stdout, formatStep(step));
    writeLine(io.stdout);
  }
  await confirmProject(options, io, project);
  const { token, apiUrl } = cloudEnv(io.env);
  if (!token) throw new CliExit(EXIT.usage, 'DIGITALOCEAN_TOKEN is not set: destroy needs a read/write token to delete the resources. Nothing was deleted.');

  const [{ runDestroy }, { underProgress }, { liveRunIo }] = await Promise.all([import('../../app/index.js'), import('../../app/run-io.js'), import('../live-run.js')]);
  await underProgress(
    liveRunIo(io, { json: options.json, command: 'destroy' }),
    { action: 'destroy', project },
    {
      shown: (by) => `Interrupted (${by}).`,
      exit: 'Interrupted: the state lists exactly what is left. Run destroy again to finish.',
      afterFailure: 'The state lists exactly what is left; run destroy again to finish.',
    },
    (onEvent, signal) => runDestroy({ dir, project, token, apiUrl, onEvent, signal }),
  );
  if (!options.json) writeLine(io.stdout, `Destroyed ${project}: ${steps.length} resources deleted; ${statePath(dir)} lists none.`);
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
