import { exitNow, onStopSignals, type StopSignal } from '../adapters/stop-signals.js';

export type { StopSignal };

// A watch (status --watch) ends on the first signal, with no run to stop: it listens itself.
export { onStopSignals };

/** What a shell reports for a process a signal ended: 128 + the signal's number. */
export const SIGNAL_EXIT: Record<StopSignal, 130 | 143> = { SIGINT: 130, SIGTERM: 143 };

/** How messages name each signal. */
export const SIGNAL_SAID: Record<StopSignal, string> = { SIGINT: 'Ctrl-C', SIGTERM: 'SIGTERM' };

/** While a run is live: its abort signal, the first signal that fired, and `stop` to stop listening. */
export interface StopListener {
  signal: AbortSignal;
  stoppedBy: () => StopSignal;
  stop: () => void;
}

/**
 * First Ctrl-C or SIGTERM (a service manager or `kill` sends it): aborts, so the run stops after the
 * requests in flight and records them. A second one: `secondStop` says what happens (a line), and the
 * process leaves now — the one place swarm-wiz exits by itself: the person asked twice, and waiting is
 * what they refused.
 */
export function listenForStops(secondStop: (signal: StopSignal) => void): StopListener {
  const controller = new AbortController();
  let first: StopSignal = 'SIGINT';
  const stop = onStopSignals((signal) => {
    if (!controller.signal.aborted) {
      first = signal;
      controller.abort();
      return;
    }
    secondStop(signal);
    exitNow(SIGNAL_EXIT[signal]);
  });
  return { signal: controller.signal, stoppedBy: () => first, stop };
}
