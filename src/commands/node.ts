import type { Command } from './command.js';

/** Does nothing: proves a node answers over its shell. */
export const reachable: Command = { argv: ['true'], description: 'reach the node' };

/**
 * Waits until cloud-init has finished on a fresh droplet (it installs Docker after the droplet reports
 * active). Exit 0 done, 1 failed, 2 done with recoverable errors.
 */
export const cloudInitDone: Command = { argv: ['cloud-init', 'status', '--wait', '--long'], description: 'wait until cloud-init has set the droplet up' };

/**
 * What went wrong, from `cloud-init status --wait --long`'s output: its `errors:` entries in
 * cloud-init's own words (for example `Failed to install the following packages: {'docker-ce'}`), else
 * its last line.
 */
export function cloudInitFailure(output: string): string {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => /^errors:/.test(line));
  const errors: string[] = [];
  if (start >= 0) {
    for (const line of lines.slice(start + 1)) {
      const entry = /^\s+- (.*)$/.exec(line);
      if (!entry) break;
      errors.push(entry[1]!.trim());
    }
  }
  if (errors.length > 0) return errors.join('; ');
  return lines.map((line) => line.trim()).filter(Boolean).pop() ?? '';
}
