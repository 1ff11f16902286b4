import type { Config } from '../config/index.js';
import { runApply, type ApplyResult } from '../app/index.js';
import { ApplyAborted, StepFailed, type ApplyEventListener } from '../run/index.js';
import { showProgress, type ProgressDisplayMode } from '../../screens/apply-progress-live.js';
import { CliExit, EXIT, type ExitCode } from './exit.js';
import { cloudEnv, writeLine, type CliIo } from './io.js';
import { exitNow, onStopSignals, type StopSignal } from '../adapters/stop-signals.js';

/**
 * The signals that stop a run as the first Ctrl-C does (a service manager or `kill` sends
 * SIGTERM), each with how messages name it and what a shell reports for a process it ended
 * (128 + the signal's number).
 */
const STOP_SIGNALS: Record<StopSignal, { said: string; exit: ExitCode }> = {
  SIGINT: { said: 'Ctrl-C', exit: 130 as unknown as ExitCode },
  SIGTERM: { said: 'SIGTERM', exit: 143 as unknown as ExitCode },
};

const RESUME_LINE = 'Interrupted: every resource created so far is recorded in .swarm-wiz/state.json. Run apply again to resume.';

export interface ProvisionCloudRequest {
  config: Config;
  dir: string;
  /** Kept in memory by the API client only; never printed or written. */
  token: string;
  io: CliIo;
  /** One JSON event per line on stdout instead of the screen. */
  json?: boolean;
}

/**
 * The cloud half of `swarm-wiz apply`: runs `runApply` with live progress (Ink on a terminal,
 * lines otherwise, JSON events with --json). Ctrl-C (SIGINT) or SIGTERM gives the requests in flight
 * 1 s to finish (a hung one is then abandoned and named in the state), records what exists and exits
 * 130 (143) saying to run apply again. The API URL comes from
 * DIGITALOCEAN_API_URL, the operator's address for SSH from SWARM_WIZ_OPERATOR_IP.
 */
export async function provisionCloud(request: ProvisionCloudRequest): Promise<ApplyResult> {
  const { io, config } = request;
  const { apiUrl, operatorIp } = cloudEnv(io.env);
  const mode = progressMode(io, request.json ?? false);
  const result = await withLiveProgress(
    {
      io,
      mode,
      project: config.project,
      action: 'apply',
      interrupted: { shown: (by) => `Interrupted (${by}): what the requests in flight made is recorded; any left unanswered after 1 s is named in .swarm-wiz/state.json.`, exit: RESUME_LINE },
    },
    (onEvent, signal) => runApply({ config, dir: request.dir, token: request.token, apiUrl, operatorIp, onEvent, signal }),
  );
  if (mode === 'lines') printSummary(io, result);
  return result;
}

/** The Ink screen on a terminal, a line per step otherwise, JSON events with --json. */
export function progressMode(io: CliIo, json: boolean): ProgressDisplayMode {
  return json ? 'json' : io.isTTY ? 'ink' : 'lines';
}

export interface LiveRun {
  io: CliIo;
  mode: ProgressDisplayMode;
  project: string;
  action: 'apply' | 'destroy';
  /** After Ctrl-C or SIGTERM: the progress screen's last line (`by` names the signal), and the exit message. */
  interrupted: { shown: (by: string) => string; exit: string };
  /** Said after a failed step's reason and hint. */
  afterFailure?: string;
}

/**
 * Runs the engine under live progress with Ctrl-C and SIGTERM handled (see interruptHandler): an
 * interrupted run exits 130 (143 for SIGTERM), a failed step exits 1 with its reason and what to do.
 */
export async function withLiveProgress<T>(run: LiveRun, body: (onEvent: ApplyEventListener, signal: AbortSignal) => Promise<T>): Promise<T> {
  const { io } = run;
  const progress = showProgress(run.mode, run.project, io.stdout, run.action);
  const controller = new AbortController();
  const interrupt = interruptHandler(controller, io, run.action);
  const stopListening = onStopSignals(interrupt.handle);
  try {
    const result = await body(progress.onEvent, controller.signal);
    progress.finish();
    return result;
  } catch (error) {
    const by = interrupt.first();
    if (error instanceof ApplyAborted) progress.onEvent({ type: 'aborted', message: run.interrupted.shown(STOP_SIGNALS[by].said) });
    progress.finish();
    if (error instanceof ApplyAborted) throw new CliExit(STOP_SIGNALS[by].exit, run.interrupted.exit);
    if (error instanceof StepFailed) throw new CliExit(EXIT.failure, [error.reason.message, error.reason.hint, ...(run.afterFailure ? [run.afterFailure] : [])].join('\n'));
    throw error;
  } finally {
    stopListening();
  }
}

/**
 * First Ctrl-C or SIGTERM: stop after the request in flight and record it. A second one: leave
 * now — a resource that request creates is not recorded, but the next apply finds it by tag or name.
 */
function interruptHandler(controller: AbortController, io: CliIo, command: 'apply' | 'destroy' = 'apply'): { handle: (signal: StopSignal) => void; first: () => StopSignal } {
  let first: StopSignal = 'SIGINT';
  const handle = (signal: StopSignal) => {
    if (!controller.signal.aborted) {
      first = signal;
      controller.abort();
      return;
    }
    const { said, exit } = STOP_SIGNALS[signal];
    writeLine(
      io.stderr,
      command === 'apply'
        ? `Stopped at once (second ${said}). Run apply again: it finds anything the last request created by its tag or name.`
        : `Stopped at once (second ${said}). Run destroy again: what is already gone counts as deleted.`,
    );
    // The one place swarm-wiz exits by itself: the user asked twice, and waiting is what they refused.
    exitNow(exit);
  };
  return { handle, first: () => first };
}

function printSummary(io: CliIo, result: ApplyResult): void {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const step of result.steps) if (step.kind !== 'manual-dns' && step.op !== 'same') counts[step.op] += 1;
  writeLine(io.stdout, counts.create + counts.update + counts.delete === 0 ? 'DigitalOcean already matches swarm-wiz.yaml: nothing changed.' : `DigitalOcean: ${counts.create} created, ${counts.update} updated, ${counts.delete} deleted.`);
  if (result.manualDns.length > 0) {
    writeLine(io.stdout, 'Create these DNS records at your DNS provider:');
    for (const line of result.manualDns) writeLine(io.stdout, `  ${line}`);
  }
}
