/** The process exit codes every swarm-wiz command uses. */
export const EXIT = {
  ok: 0,
  /** Something failed while running (network, disk, a peer). */
  failure: 1,
  /** The config or the command line is not valid; nothing was changed. */
  usage: 2,
  /** Stopped by Ctrl-C (128 + SIGINT's number, as a shell reports it). */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + its number). */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Thrown by a command to stop with a message and an exit code. `runCli` prints the message to
 * stderr (if any) and returns the code; commands never call `process.exit` themselves.
 */
export class CliExit extends Error {
  readonly code: ExitCode;

  constructor(code: ExitCode, message = '') {
    super(message);
    this.name = 'CliExit';
    this.code = code;
  }
}
