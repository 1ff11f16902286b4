import type { StopSignal } from './stop-control.js';

// What a use case ends with when it does not return a result. Each class is one way of ending, and the
// CLI picks the exit code by class (src/cli/run-cli.ts): no caller ever reads an error's text to
// decide what happened.

/** The input cannot be used (a value, a hand-edited file with --on-edit stop, a missing variable): nothing was changed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The run failed; the message says what and what to do next. What was done before it is recorded. */
export class RunFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailed';
  }
}

/** The person answered no: nothing was written. */
export class Cancelled extends Error {
  constructor(message = 'Cancelled; nothing was written.') {
    super(message);
    this.name = 'Cancelled';
  }
}

/** Stopped by Ctrl-C or SIGTERM after the steps in flight; the message says how to finish. */
export class Interrupted extends Error {
  constructor(
    message: string,
    /** The first signal: a shell reports 128 + its number for a process it ended. */
    readonly signal: StopSignal,
  ) {
    super(message);
    this.name = 'Interrupted';
  }
}
