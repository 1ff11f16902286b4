import { ApplyAborted, StepFailed, type ApplyEventListener } from '../run/index.js';
import { Interrupted, RunFailed } from './errors.js';
import { SIGNAL_SAID, type StopSignal } from './stop-control.js';

/**
 * One engine run while it is live: its display (events as they come; `finish` leaves the last frame)
 * and its stop (Ctrl-C or SIGTERM fire `signal`: the engine stops after the steps in flight).
 */
export interface LiveRun {
  onEvent: ApplyEventListener;
  signal: AbortSignal;
  /** Which signal stopped it (the first one), once `signal` has fired. */
  stoppedBy: () => StopSignal;
  finish: () => void;
}

/** What every use case that runs the engine gets from its caller: where progress goes, and how it is stopped. */
export interface RunIo {
  /** Opens one engine run (the cloud, the deploy, a renewal): called once per run, in order. */
  live: (run: { action: 'apply' | 'destroy'; project: string }) => Promise<LiveRun>;
  /** A warning for the person (stderr), never part of the result. */
  warn: (line: string) => void;
}

/** What a run says when it was stopped: the display's last line (`by` names the signal), and how to finish. */
export interface InterruptedText {
  shown: (by: string) => string;
  exit: string;
}

/**
 * Runs one engine run under its display: an abort ends it with Interrupted (the display's last line
 * says so), a failed step with RunFailed carrying the step's reason and hint (and `afterFailure`).
 */
export async function underProgress<T>(
  io: RunIo,
  run: { action: 'apply' | 'destroy'; project: string },
  text: InterruptedText & { afterFailure?: string },
  body: (onEvent: ApplyEventListener, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const live = await io.live(run);
  try {
    const result = await body(live.onEvent, live.signal);
    live.finish();
    return result;
  } catch (error) {
    const by = live.stoppedBy();
    if (error instanceof ApplyAborted) live.onEvent({ type: 'aborted', message: text.shown(SIGNAL_SAID[by]) });
    live.finish();
    if (error instanceof ApplyAborted) throw new Interrupted(text.exit, by);
    if (error instanceof StepFailed) throw new RunFailed([error.reason.message, error.reason.hint, ...(text.afterFailure ? [text.afterFailure] : [])].join('\n'));
    throw error;
  }
}
