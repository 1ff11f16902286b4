export type { CommandResult, RunOptions, Shell, Target, TargetNode } from './target.js';
export { CommandAborted, CommandFailed, HostKeyChanged, NodeUnreachable, SshFailed, TargetError, type UnreachableReason } from './errors.js';
export { DEFAULT_COMMAND_TIMEOUT_MS, localShell, localTarget, withLocalNode, type LocalShellOptions } from './local.js';
export {
  CONTROL_DIR_MAX,
  fingerprintOf,
  memoryHostKeyStore,
  quoteShellArg,
  sshShell,
  sshTarget,
  type HostKeyStore,
  type SshShell,
  type SshShellOptions,
  type SshTargetOptions,
} from './ssh.js';
