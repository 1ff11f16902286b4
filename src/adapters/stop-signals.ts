/** The signals that stop a run as the first Ctrl-C does (a service manager or `kill` sends SIGTERM). */
export type StopSignal = 'SIGINT' | 'SIGTERM';

const SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

/** Calls `handler` for every SIGINT and SIGTERM until the returned function is called. */
export function onStopSignals(handler: (signal: StopSignal) => void): () => void {
  for (const signal of SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of SIGNALS) process.off(signal, handler);
  };
}

/** Ends the process now (a second Ctrl-C: the user refused to wait). */
export function exitNow(code: number): never {
  process.exit(code);
}
