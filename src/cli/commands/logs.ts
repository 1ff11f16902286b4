import type { Command } from 'commander';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { writeLine, type CliIo } from '../io.js';

interface LogsOptions extends CommonOptions {
  follow: boolean;
  since?: string;
  tail?: string;
  target?: string;
}

/**
 * `swarm-wiz logs SERVICE`: a service's log from a manager (over SSH; `--target local`: this machine's
 * engine). `proxy` is a service too: its access lines name the backend that answered and its time.
 * Exit 0 (also when Ctrl-C ends --follow), 1 the manager or the service could not be read, 2 a bad
 * service name or flag.
 */
export function registerLogsCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('logs'))
    .argument('<service>', 'a service of swarm-wiz.yaml (a site\'s or a private one), or proxy')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C', false)
    .option('--since <time>', 'only lines since then: a duration (30s, 10m, 2h) or a date-time (2026-12-06T05:00:00Z)')
    .option('--tail <lines>', 'only the last lines of each task (a number, or all)')
    .option('--target <target>', "local: this machine's Docker engine (a project applied with --target local)")
    .description("a service's log, as a manager has it; proxy's access lines show the backend that answered and its response time")
    .action(async (service: string, options: LogsOptions) => {
      if (options.target !== undefined && options.target !== 'local') throw new CliExit(EXIT.usage, `--target ${JSON.stringify(options.target)} is not a target (local, or leave it out for the project's swarm)`);
      const [{ loadConfig }, { serviceLog }, { onStopSignals }] = await Promise.all([import('../../config/index.js'), import('../../app/logs.js'), import('../../app/stop-control.js')]);
      const { configPath, dir } = projectPaths(options, io);
      const config = await loadConfig(configPath);
      const stopping = new AbortController();
      // Ctrl-C ends a follow: the normal way out of it.
      const release = onStopSignals(() => stopping.abort());
      try {
        await serviceLog(
          {
            config,
            dir,
            service,
            follow: options.follow,
            ...(options.since !== undefined ? { since: options.since } : {}),
            ...(options.tail !== undefined ? { tail: options.tail } : {}),
            ...(options.target === 'local' ? { target: 'local' as const } : {}),
          },
          { line: (text) => writeLine(io.stdout, text), signal: stopping.signal },
        );
      } finally {
        release();
      }
    });
}
