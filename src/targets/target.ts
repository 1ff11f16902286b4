import type { Command } from '../commands/command.js';

/** A machine the engine runs commands on: a droplet, or this machine for `--target local`. */
export interface TargetNode {
  /** Stable name (the droplet's name, or `local`). */
  name: string;
  role: 'manager' | 'worker' | 'support';
  /** The address the swarm advertises and the nodes talk over (the VPC address of a droplet). */
  privateIp?: string;
  /** Where swarm-wiz reaches it (SSH) and where HTTPS enters when it runs the proxy. */
  publicIp?: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Each line of output as it arrives (secrets already replaced): the progress screen streams these. */
  onOutput?: (line: string) => void;
  /** Kill the command after this long (default: the shell's). */
  timeoutMs?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs commands on one node. */
export interface Shell {
  /** Runs `command`; rejects with CommandFailed (from ./errors.ts) on a non-zero exit, secrets redacted. */
  run(command: Command, options?: RunOptions): Promise<CommandResult>;
  /** Like run, but a non-zero exit is a result, not a rejection (a probe: "is this node in a swarm?"). */
  probe(command: Command, options?: RunOptions): Promise<CommandResult>;
}

/** Where a project runs: the nodes and a shell per node. */
export interface Target {
  readonly kind: 'local' | 'digitalocean';
  nodes(): readonly TargetNode[];
  shell(nodeName: string): Shell;
  /** Ends what the target keeps open (shared SSH connections). */
  close(): Promise<void>;
}
