export type { CommandResult, RunOptions, Shell, Target, TargetNode } from './target.js';
export { CommandAborted, CommandFailed, HostKeyChanged, NodeUnreachable, SshFailed, TargetError, type UnreachableReason } from './errors.js';
export { DEFAULT_COMMAND_TIMEOUT_MS, localShell, localTarget, type LocalShellOptions } from './local.js';
