import type { Prompter } from '../wizard/prompter.js';

/**
 * Everything a command may touch of the process it runs in. `main.ts` passes the real process;
 * tests pass streams they read back, an env without secrets, and a working directory of their own.
 */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Readonly<Record<string, string | undefined>>;
  /** True only when a person can answer questions (stdin and stdout are terminals). */
  isTTY: boolean;
  cwd: string;
  /** Asks questions; default: @inquirer/prompts on stdin/stdout. Tests pass a scripted one. */
  prompter?: Prompter;
}

/** The real process as a CliIo. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    cwd: process.cwd(),
  };
}

/** Writes one line (a newline is added) to a stream. */
export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
