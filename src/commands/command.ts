/**
 * One operation on a node, as data: an argv (never a shell string), what to feed its stdin, and
 * the values that must never appear in output (join tokens, passwords). Builders in this folder
 * return these; a Target's Shell runs them (locally with execa, or over ssh).
 */
export interface Command {
  argv: readonly string[];
  /** Fed to the command's standard input (a file's content, a password). */
  stdin?: string | Uint8Array;
  /** Substrings replaced by `***` wherever the command or its output is shown (logs, errors, events). */
  secrets?: readonly string[];
  /** One line for people: what the command does ("initialise the swarm on manager-1"). */
  description: string;
}

/** Replaces every secret of `command` in `text` by `***`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}

/**
 * Quotes one argument for a POSIX shell: `'…'`, with each `'` written as `'\''`. Everything else
 * (spaces, `$(…)`, backticks, newlines, `;`, non-ASCII) is literal inside single quotes. A NUL
 * cannot be in an argument at all, so it is refused.
 */
export function quoteShellArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('an argument cannot contain a NUL byte');
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** An argv as one line of a generated script: plain words as they are, anything else single-quoted. */
export function scriptLine(argv: readonly string[]): string {
  return argv.map((arg) => (PLAIN_WORD.test(arg) ? arg : quoteShellArg(arg))).join(' ');
}
