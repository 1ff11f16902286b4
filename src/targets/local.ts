import { redact, type Command } from '../commands/command.js';
import { CommandAborted, CommandFailed } from './errors.js';
import { execute, type Execution } from './exec.js';
import type { CommandResult, RunOptions, Shell, Target, TargetNode } from './target.js';

/** A command that does not say how long it may take is stopped after this long. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;

export interface LocalShellOptions {
  /** Added to the environment of every command (e.g. DOCKER_HOST to point docker at another engine). */
  env?: Record<string, string>;
  /** Default for RunOptions.timeoutMs. */
  timeoutMs?: number;
  /** Named in errors; default `local`. */
  nodeName?: string;
}

/** The stdout/stderr of an execution as the contract's result, or the error its ending calls for. */
export function settle(command: Command, nodeName: string, execution: Execution, timeoutMs: number, probe: boolean): CommandResult {
  if (execution.aborted) throw new CommandAborted(command, nodeName);
  const failed = { command, nodeName, exitCode: execution.exitCode, stderr: execution.stderr, stdout: execution.stdout };
  if (execution.notStarted !== undefined) throw new CommandFailed({ ...failed, notStarted: execution.notStarted });
  if (execution.timedOut) throw new CommandFailed({ ...failed, timedOutAfterMs: timeoutMs });
  if (execution.exitCode === undefined) throw new CommandFailed({ ...failed, ...(execution.signal ? { signal: execution.signal } : {}) });
  if (execution.exitCode !== 0 && !probe) throw new CommandFailed(failed);
  return { exitCode: execution.exitCode, stdout: execution.stdout, stderr: execution.stderr };
}

/** The per-line callback for execute: onOutput with the command's secrets replaced. */
export function redactedLines(command: Command, options: RunOptions): ((line: string) => void) | undefined {
  const { onOutput } = options;
  return onOutput ? (line) => onOutput(redact(line, command.secrets)) : undefined;
}

/**
 * Runs commands on this machine with execa: the argv as it is (no shell), stdin from
 * command.stdin (otherwise /dev/null), output streamed line by line to onOutput (redacted),
 * killed on abort (CommandAborted) or timeout (CommandFailed). The result's stdout and stderr are
 * the exact bytes (as UTF-8), not redacted: they are data for the caller, not output shown.
 */
export function localShell(options: LocalShellOptions = {}): Shell {
  const nodeName = options.nodeName ?? 'local';
  const exec = async (command: Command, runOptions: RunOptions, probe: boolean): Promise<CommandResult> => {
    if (runOptions.signal?.aborted) throw new CommandAborted(command, nodeName);
    const timeoutMs = runOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const onLine = redactedLines(command, runOptions);
    const execution = await execute(command.argv, {
      ...(command.stdin !== undefined ? { stdin: command.stdin } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(runOptions.signal ? { signal: runOptions.signal } : {}),
      ...(onLine ? { onLine } : {}),
      timeoutMs,
    });
    return settle(command, nodeName, execution, timeoutMs, probe);
  };
  return {
    run: (command, runOptions = {}) => exec(command, runOptions, false),
    probe: (command, runOptions = {}) => exec(command, runOptions, true),
  };
}

/**
 * This machine as the one node of a project (`--target local`): named `local`, a manager, unless
 * `node` says otherwise (its addresses, e.g. 127.0.0.1).
 */
export function localTarget(node: Partial<TargetNode> = {}, options: LocalShellOptions = {}): Target {
  const only: TargetNode = { ...node, name: node.name ?? 'local', role: node.role ?? 'manager' };
  const shell = localShell({ ...options, nodeName: only.name });
  return {
    kind: 'local',
    nodes: () => [only],
    shell(nodeName) {
      if (nodeName !== only.name) throw new Error(`the local target has one node, ${only.name}; there is no node ${nodeName}`);
      return shell;
    },
    close: async () => {},
  };
}

/**
 * `target` with one of its nodes being this machine: that node's commands run here, the others as
 * before (the support server running its own renew reaches the swarm nodes over SSH).
 */
export function withLocalNode(target: Target, nodeName: string, options: LocalShellOptions = {}): Target {
  const local = localShell({ ...options, nodeName });
  return {
    kind: target.kind,
    nodes: () => target.nodes(),
    shell: (name) => (name === nodeName ? local : target.shell(name)),
    close: () => target.close(),
  };
}
