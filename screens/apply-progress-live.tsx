import { render } from 'ink';
import { formatElapsed, ApplyProgressScreen } from './apply-progress.js';
import { initialProgress, plannedWarnings, progressReducer, type ApplyEvent, type ProgressState } from '../src/run/index.js';

export type ProgressDisplayMode = 'ink' | 'lines' | 'json' | 'none';

export interface LiveProgress {
  onEvent: (event: ApplyEvent) => void;
  /** Stops redrawing; the last frame stays on screen. */
  finish: () => void;
  readonly state: ProgressState;
}

/**
 * Shows executor events as they come: the Ink screen on a terminal, one line per finished,
 * failed or retried step otherwise, or one JSON event per line (`--json`).
 */
export function showProgress(mode: ProgressDisplayMode, project: string, stdout: NodeJS.WriteStream, action: 'apply' | 'destroy' = 'apply'): LiveProgress {
  let state = initialProgress;
  if (mode === 'ink') {
    const screen = (now?: number) => <ApplyProgressScreen project={project} progress={state} action={action} now={now} />;
    const app = render(screen(), { stdout, patchConsole: false, exitOnCtrlC: false });
    return {
      onEvent: (event) => {
        state = progressReducer(state, event);
        app.rerender(screen());
      },
      finish: () => {
        app.rerender(screen(Date.now()));
        app.unmount();
      },
      get state() {
        return state;
      },
    };
  }
  return {
    onEvent: (event) => {
      const before = state;
      state = progressReducer(state, event);
      if (mode === 'json') stdout.write(`${JSON.stringify(event)}\n`);
      else if (mode === 'lines') {
        const line = lineFor(event, before);
        if (line) stdout.write(`${line}\n`);
      }
    },
    finish: () => undefined,
    get state() {
      return state;
    },
  };
}

function lineFor(event: ApplyEvent, state: ProgressState): string | undefined {
  const row = 'stepId' in event ? state.rows.find((r) => r.id === event.stepId) : undefined;
  const label = row ? `${row.kind} ${row.name}` : 'stepId' in event ? event.stepId : '';
  const took = row?.startedAt !== undefined && 'at' in event ? ` (${formatElapsed(event.at - row.startedAt)})` : '';
  switch (event.type) {
    case 'verified':
      return `DigitalOcean account: ${event.email}`;
    case 'step-done':
      return row?.kind === 'manual-dns' ? undefined : `  ✔ ${label}: ${event.message}${took}`;
    case 'step-failed':
      return `  ✘ ${label}: ${event.reason.message}\n    ${event.reason.hint}`;
    case 'step-progress':
      return `  … ${label}: ${event.message}`;
    case 'retrying':
      return `  ↻ ${event.what}: ${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)}s (attempt ${event.attempt})`;
    case 'planned': {
      const lines = plannedWarnings(event.steps).map((warning) => `  ! ${warning}`);
      return lines.length > 0 ? lines.join('\n') : undefined;
    }
    case 'step-started':
    case 'waiting':
    case 'aborted':
    case 'finished':
      return undefined;
  }
}
