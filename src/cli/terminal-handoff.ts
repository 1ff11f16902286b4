import type { CliIo } from './io.js';

/*
 * Ink and @inquirer/prompts share stdin but must never hold it at the same time. Ink unrefs stdin
 * when it unmounts and a finished prompt pauses it, so each side hands it back explicitly.
 */

/** Call after an Ink app has exited, before the next prompt. */
export function afterInk(io: CliIo): void {
  if (io.isTTY) io.stdin.ref();
}

/** Call after a prompt has finished, before rendering Ink. */
export function afterPrompt(io: CliIo): void {
  if (io.isTTY) io.stdin.resume();
}

/** Call when the command is done, so an idle stdin does not keep the process alive. */
export function releaseStdin(io: CliIo): void {
  if (!io.isTTY) return;
  io.stdin.pause();
  io.stdin.unref();
}
