import type { Command } from './command.js';

/** Does nothing: proves a node answers over its shell. */
export const reachable: Command = { argv: ['true'], description: 'reach the node' };

/**
 * Waits until cloud-init has finished on a fresh droplet (it installs Docker after the droplet reports
 * active). Exit 0 done, 1 failed, 2 done with recoverable errors.
 */
export const cloudInitDone: Command = { argv: ['cloud-init', 'status', '--wait'], description: 'wait until cloud-init has set the droplet up' };
