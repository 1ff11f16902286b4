import type { Command } from './command.js';

/**
 * Prints the file at `path` (the support server's backup records), and nothing with exit 0 when there is
 * none: no scheduled backup has run there yet. Read-only; run it as a probe (another exit: the file is
 * there but could not be read).
 */
export function readSupportRecords(path: string): Command {
  return { argv: ['sh', '-c', 'test -e "$1" || exit 0; exec cat -- "$1"', 'sh', path], description: `read the support server's backup records ${path}` };
}
