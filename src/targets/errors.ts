import { redact, type Command } from '../commands/command.js';
import { remoteText } from '../text/remote-text.js';

/**
 * Failures of running a command on a node. Each says what failed (`summary`) and what to do
 * (`hint`); `message` is both, on two lines. Every text that came from the command or its output is
 * already redacted with the command's secrets. Callers switch on the class, never on the text.
 */
export abstract class TargetError extends Error {
  readonly summary: string;
  readonly hint: string;
  protected constructor(summary: string, hint: string) {
    super(`${summary}\n${hint}`);
    this.summary = summary;
    this.hint = hint;
  }
}

/** At most this many lines of a failed command's output are kept in the error. */
const TAIL_LINES = 10;
const LINE_MAX = 400;

/** The last non-blank lines of `text` (remote output: through remoteText), redacted, each cut to a readable length. */
export function tailOf(text: string, secrets: readonly string[] = [], lines = TAIL_LINES): string {
  return remoteText(redact(text, secrets).split(/\r?\n/).slice(-lines * 4).join('\n'))
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .map((line) => (line.length > LINE_MAX ? `${line.slice(0, LINE_MAX)}…` : line))
    .join('\n');
}

export interface CommandFailedInput {
  command: Command;
  nodeName: string;
  /** The exit code; undefined when the process was killed (timeout) or could not start. */
  exitCode: number | undefined;
  stderr: string;
  stdout?: string;
  /** Set when the command was stopped after this many milliseconds. */
  timedOutAfterMs?: number;
  /** The signal that ended it, when it was killed. */
  signal?: string;
  /** The command could not be started at all (not installed, …): a short reason. */
  notStarted?: string;
  hint?: string;
}

/** A command ran and failed: a non-zero exit, killed, timed out, or it could not start. */
export class CommandFailed extends TargetError {
  /** The command's description, redacted. */
  readonly description: string;
  readonly nodeName: string;
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;
  /** The last lines of stderr (of stdout when stderr was empty), redacted. */
  readonly outputTail: string;

  constructor(input: CommandFailedInput) {
    const secrets = input.command.secrets ?? [];
    const description = redact(input.command.description, secrets);
    const stderrTail = tailOf(input.stderr, secrets);
    const outputTail = stderrTail !== '' ? stderrTail : tailOf(input.stdout ?? '', secrets);
    const what = `${description} (on ${input.nodeName})`;
    let summary: string;
    let hint: string;
    if (input.notStarted !== undefined) {
      summary = `${what} could not start: ${remoteText(redact(input.notStarted, secrets))}`;
      hint = 'What to do: install the missing program on that machine (or fix PATH), then run again.';
    } else if (input.timedOutAfterMs !== undefined) {
      summary = `${what} did not finish within ${Math.round(input.timedOutAfterMs / 100) / 10} s and was stopped`;
      hint = 'What to do: the node may be overloaded or the command stuck (a download, a lock); look at the node, then run again.';
    } else if (input.exitCode === undefined) {
      summary = `${what} was killed${input.signal ? ` by ${input.signal}` : ''}`;
      hint = 'What to do: something on the machine ended it (out of memory?); look at the node, then run again.';
    } else {
      summary = `${what} failed (exit ${input.exitCode})`;
      hint =
        outputTail !== ''
          ? 'What to do: its output above says why; fix the cause, then run again.'
          : 'What to do: it printed nothing; run it by hand on the node to see why, fix the cause, then run again.';
    }
    if (outputTail !== '') summary += `:\n${outputTail.replace(/^/gm, '  ')}`;
    super(summary, input.hint ?? hint);
    this.name = 'CommandFailed';
    this.description = description;
    this.nodeName = input.nodeName;
    this.exitCode = input.exitCode;
    this.timedOut = input.timedOutAfterMs !== undefined;
    this.outputTail = outputTail;
  }
}

/** The caller's AbortSignal fired: the command's process was killed. */
export class CommandAborted extends TargetError {
  readonly description: string;
  readonly nodeName: string;
  constructor(command: Command, nodeName: string) {
    const description = redact(command.description, command.secrets);
    super(`${description} (on ${nodeName}) was interrupted`, 'What to do: run again to continue.');
    this.name = 'CommandAborted';
    this.description = description;
    this.nodeName = nodeName;
  }
}

/**
 * The node offered a host key other than the one pinned at first contact. Nothing was run on it:
 * ssh refused before authenticating.
 */
export class HostKeyChanged extends TargetError {
  readonly nodeName: string;
  /** `host:port`. */
  readonly address: string;
  /** `SHA256:…` of the pinned key. */
  readonly pinnedFingerprint: string;
  /** `SHA256:…` of the key the node offered, or `unknown` when it could not be read. */
  readonly offeredFingerprint: string;
  constructor(input: { nodeName: string; address: string; pinnedFingerprint: string; offeredFingerprint: string }) {
    super(
      `the SSH host key of ${input.nodeName} (${input.address}) changed: pinned ${input.pinnedFingerprint}, ` +
        `offered ${input.offeredFingerprint}. Nothing was run on it.`,
      `What to do: if the droplet ${input.nodeName} was rebuilt, remove its hostKey from .swarm-wiz/state.json and ` +
        'run again (the new key is pinned at the next contact). Otherwise someone may be intercepting the ' +
        'connection: do not go on; check the droplet from the DigitalOcean console.',
    );
    this.name = 'HostKeyChanged';
    this.nodeName = input.nodeName;
    this.address = input.address;
    this.pinnedFingerprint = input.pinnedFingerprint;
    this.offeredFingerprint = input.offeredFingerprint;
  }
}

export type UnreachableReason = 'refused' | 'timeout' | 'no-route' | 'unresolved' | 'closed' | 'not-ssh';

const UNREACHABLE_TEXT: Record<UnreachableReason, { what: string; hint: string }> = {
  refused: {
    what: 'connection refused',
    hint: 'What to do: nothing listens for SSH there; a new droplet may still be booting (wait a minute), or sshd is stopped. Then run again.',
  },
  timeout: {
    what: 'no answer (connect timeout)',
    hint: 'What to do: the droplet may be booting or powered off, or a firewall drops SSH from this machine; check it in the DigitalOcean console (and its firewall), then run again.',
  },
  'no-route': {
    what: 'no route to the host',
    hint: 'What to do: check this machine\'s network connection and the address, then run again.',
  },
  unresolved: {
    what: 'the name does not resolve',
    hint: 'What to do: check the address recorded for the node (and this machine\'s DNS), then run again.',
  },
  closed: {
    what: 'the node closed the connection',
    hint: 'What to do: sshd there may be starting or refusing connections (MaxStartups, fail2ban), or the node went down while a command ran (then it may have done part of its work); wait a moment, then run again.',
  },
  'not-ssh': {
    what: 'a connection opened, but no ed25519 SSH host key came back',
    hint: 'What to do: check that the address belongs to the droplet, that sshd there is up (it may still be starting) and has an ed25519 host key, then run again.',
  },
};

/** SSH could not reach the node at all: refused, timed out, no route. Nothing was run. */
export class NodeUnreachable extends TargetError {
  readonly nodeName: string;
  readonly host: string;
  readonly port: number;
  readonly reason: UnreachableReason;
  constructor(input: { nodeName: string; host: string; port: number; reason: UnreachableReason }) {
    const text = UNREACHABLE_TEXT[input.reason];
    // A closed connection may come mid-command; every other reason means ssh never got in.
    const nothingRan = input.reason === 'closed' ? '' : ' Nothing was run on it.';
    super(`cannot reach ${input.nodeName} over SSH at ${input.host}:${input.port}: ${text.what}.${nothingRan}`, text.hint);
    this.name = 'NodeUnreachable';
    this.nodeName = input.nodeName;
    this.host = input.host;
    this.port = input.port;
    this.reason = input.reason;
  }
}

/** ssh itself failed for another reason (the key was refused, a bad option): ssh's own message, redacted. */
export class SshFailed extends TargetError {
  readonly nodeName: string;
  readonly address: string;
  /** ssh's last lines of stderr, redacted. */
  readonly detail: string;
  constructor(input: { nodeName: string; address: string; detail: string; hint: string }) {
    super(`ssh to ${input.nodeName} (${input.address}) failed: ${remoteText(input.detail) || '(ssh said nothing)'}`, input.hint);
    this.name = 'SshFailed';
    this.nodeName = input.nodeName;
    this.address = input.address;
    this.detail = input.detail;
  }
}
