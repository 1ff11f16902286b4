import type { ProgressDisplayMode } from '../../screens/apply-progress-live.js';
import type { ApplyResult } from '../app/index.js';
import type { RunIo } from '../app/run-io.js';
import { listenForStops, SIGNAL_SAID } from '../app/stop-control.js';
import { writeLine, type CliIo } from './io.js';

/** The Ink screen on a terminal, a line per step otherwise, JSON events with --json. */
export function progressMode(io: CliIo, json: boolean): ProgressDisplayMode {
  return json ? 'json' : io.isTTY ? 'ink' : 'lines';
}

/**
 * The live half of a use case's io: each engine run is shown as it happens (Ink on a terminal, lines
 * otherwise, JSON events with --json) while Ctrl-C and SIGTERM stop it after the requests in flight.
 * A second signal leaves at once, saying how `command` finds what the last request made.
 */
export function liveRunIo(io: CliIo, options: { json: boolean; command: 'apply' | 'renew' | 'destroy' }): RunIo {
  const mode = progressMode(io, options.json);
  return {
    live: async ({ action, project }) => {
      // Ink is loaded only when a run is shown: `--help`, plan-only apply and every command before its first run go without it.
      const { showProgress } = await import('../../screens/apply-progress-live.js');
      const progress = showProgress(mode, project, io.stdout, action);
      const stops = listenForStops((signal) =>
        writeLine(
          io.stderr,
          options.command === 'destroy'
            ? `Stopped at once (second ${SIGNAL_SAID[signal]}). Run destroy again: what is already gone counts as deleted.`
            : `Stopped at once (second ${SIGNAL_SAID[signal]}). Run ${options.command} again: it finds anything the last request created by its tag or name.`,
        ),
      );
      return {
        onEvent: progress.onEvent,
        signal: stops.signal,
        stoppedBy: stops.stoppedBy,
        finish: () => {
          progress.finish();
          stops.stop();
        },
      };
    },
    warn: (line) => writeLine(io.stderr, line),
  };
}

/** In line mode, after the cloud run: what changed in DigitalOcean, and the DNS records to create by hand. */
export function cloudSummary(io: CliIo, result: ApplyResult): void {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const step of result.steps) if (step.kind !== 'manual-dns' && step.op !== 'same') counts[step.op] += 1;
  writeLine(io.stdout, counts.create + counts.update + counts.delete === 0 ? 'DigitalOcean already matches swarm-wiz.yaml: nothing changed.' : `DigitalOcean: ${counts.create} created, ${counts.update} updated, ${counts.delete} deleted.`);
  if (result.manualDns.length > 0) {
    writeLine(io.stdout, 'Create these DNS records at your DNS provider:');
    for (const line of result.manualDns) writeLine(io.stdout, `  ${line}`);
  }
}
