import { Command, CommanderError } from 'commander';
// errors.js, not the config index: the index loads zod and yaml, which `--help` does not need.
import { ConfigError } from '../config/errors.js';
import { Cancelled, Interrupted, RunFailed, UsageError } from '../app/errors.js';
import { ProjectLockedError } from '../app/project-lock.js';
import { PromptExited } from '../wizard/prompt-exited.js';
import { COMMANDS } from './commands/index.js';
import { CliExit, EXIT, type ExitCode } from './exit.js';
import { writeLine, type CliIo } from './io.js';
import { VERSION } from './version.js';

/** The commander program with every command registered; output goes to `io`, never exits the process. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('swarm-wiz')
    .description('Several domains on HTTPS behind one NGINX proxy in a Docker Swarm on DigitalOcean')
    .version(VERSION, '-V, --version', 'print the version of swarm-wiz')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const register of COMMANDS) register(program, io);
  return program;
}

/**
 * Runs swarm-wiz with the given arguments (without `node` and the script) and returns the exit
 * code: 0 ok, 1 runtime failure, 2 invalid config or usage.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const program = buildProgram(io);
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return exitCodeOf(error, io, verbose);
  }
}

/** The exit code of a command that threw `error`, chosen by its class; its message goes to stderr. */
export function exitCodeOf(error: unknown, io: CliIo, verbose: boolean): ExitCode {
  if (error instanceof CliExit) {
    if (error.message) writeLine(io.stderr, error.message);
    return error.code;
  }
  if (error instanceof UsageError) {
    writeLine(io.stderr, error.message);
    return EXIT.usage;
  }
  // Another command changes the project (this one changed nothing), a run that failed, a no.
  if (error instanceof ProjectLockedError || error instanceof RunFailed || error instanceof Cancelled) {
    writeLine(io.stderr, error.message);
    return EXIT.failure;
  }
  if (error instanceof Interrupted) {
    writeLine(io.stderr, error.message);
    return error.signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  }
  if (error instanceof ConfigError) {
    writeLine(io.stderr, error.message);
    writeLine(io.stderr, 'Nothing was written.');
    return EXIT.usage;
  }
  if (error instanceof CommanderError) {
    // commander has already printed its message (help, version or the usage error).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof PromptExited) {
    writeLine(io.stderr, 'Cancelled.');
    return EXIT.failure;
  }
  const denied = notWritable(error);
  if (denied) {
    writeLine(io.stderr, `swarm-wiz failed: ${denied}`);
    return EXIT.failure;
  }
  const message = error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
  writeLine(io.stderr, `swarm-wiz failed: ${message}`);
  if (!verbose) writeLine(io.stderr, '(run again with --verbose for details)');
  return EXIT.failure;
}

/** A write refused by the file system (permissions, a read-only mount), said as such: `DIR is not writable`. */
function notWritable(error: unknown): string | undefined {
  const failure = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || !['EACCES', 'EPERM', 'EROFS'].includes(failure.code ?? '') || !failure.path) return undefined;
  if (!['mkdir', 'open', 'rename', 'write', 'chmod', 'copyfile', 'symlink', 'unlink'].includes(failure.syscall ?? '')) return undefined;
  const why = failure.code === 'EROFS' ? 'it is on a read-only file system' : 'this user may not write there';
  return `the folder of ${failure.path} is not writable (${why}; ${failure.code} on ${failure.syscall}). Nothing more was written: choose a folder you can write with --dir, or fix its permissions.`;
}
