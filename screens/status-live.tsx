import { render } from 'ink';
import type { StatusSnapshot } from '../src/status/snapshot.js';
import { StatusScreen } from './status.js';

export interface LiveStatus {
  /** Draws this snapshot in place of the last (the same Ink instance: no clearing, no flicker). */
  show(snapshot: StatusSnapshot): void;
  /** Stops redrawing; the last frame stays on screen. */
  finish(): void;
}

/** The status screen on a terminal, redrawn in place as snapshots arrive. */
export function liveStatus(options: { stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream; watchSeconds?: number }): LiveStatus {
  const screen = (snapshot: StatusSnapshot) => <StatusScreen snapshot={snapshot} {...(options.watchSeconds !== undefined ? { watchSeconds: options.watchSeconds } : {})} />;
  let app: ReturnType<typeof render> | undefined;
  return {
    show: (snapshot) => {
      if (app) app.rerender(screen(snapshot));
      else app = render(screen(snapshot), { stdout: options.stdout, stdin: options.stdin, patchConsole: false, exitOnCtrlC: false });
    },
    finish: () => app?.unmount(),
  };
}
