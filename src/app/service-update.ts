import { remoteLine } from '../text/remote-text.js';
import { parseServiceTasks, serviceTasks, type Command } from '../commands/index.js';
import type { Shell } from '../targets/target.js';

/** The update's state: `updating`, `completed`, `rollback_completed`, … with when it started (to tell this update from an earlier one). */
const updateStatus = (service: string): Command => ({
  argv: ['docker', 'service', 'inspect', '--format', '{{if .UpdateStatus}}{{.UpdateStatus.State}}\t{{.UpdateStatus.StartedAt}}\t{{.UpdateStatus.Message}}{{end}}', service],
  description: `read the update state of ${service}`,
});

export interface UpdateStatus {
  state: string;
  startedAt: string;
  message: string;
}

/** A service's last rolling update as Swarm reports it (all empty when it never updated). */
export async function readUpdateStatus(shell: Shell, service: string, signal?: AbortSignal): Promise<UpdateStatus> {
  const [state = '', startedAt = '', ...message] = (await shell.run(updateStatus(service), signal ? { signal } : {})).stdout.trim().split('\t');
  return { state, startedAt, message: remoteLine(message.join('\t')) };
}

/** The update did not go through: Swarm rolled it back or paused it (`why` quotes a failed task), or it was not done in time. */
export class ServiceUpdateFailed extends Error {
  constructor(
    readonly service: string,
    readonly outcome: { kind: 'rolled-back' | 'paused'; state: string; why: string } | { kind: 'timeout'; state: string; seconds: number },
  ) {
    super(outcome.kind === 'timeout' ? `the update of ${service} did not finish within ${outcome.seconds} s (state ${outcome.state || 'unknown'})` : `the new tasks of ${service} failed${outcome.why}`);
    this.name = 'ServiceUpdateFailed';
  }
}

export interface FollowOptions {
  onProgress?(line: string): void;
  signal?: AbortSignal;
  /** How long the rolling update may take before giving up waiting (default 10 minutes). */
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * Follows the rolling update that started after `previousStart` until Swarm says it completed; rejects
 * with ServiceUpdateFailed when it rolled back, paused or took too long.
 */
export async function followUpdate(shell: Shell, service: string, previousStart: string, options: FollowOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const deadline = Date.now() + timeoutMs;
  const poll = options.pollMs ?? 1000;
  let last = '';
  for (;;) {
    const status = await readUpdateStatus(shell, service, options.signal);
    const ours = status.startedAt !== '' && status.startedAt !== previousStart;
    if (ours && status.state !== last) {
      options.onProgress?.(`${service}: ${status.state}${status.message ? ` (${status.message})` : ''}`);
      last = status.state;
    }
    if (ours && status.state === 'completed') return;
    if (ours && ['rollback_completed', 'rollback_paused', 'paused'].includes(status.state)) {
      const tasks = parseServiceTasks((await shell.probe(serviceTasks(service))).stdout);
      const failed = tasks.find((task) => task.error !== '');
      const why = failed ? `: ${failed.error}` : status.message ? `: ${status.message}` : '';
      throw new ServiceUpdateFailed(service, { kind: status.state === 'rollback_completed' ? 'rolled-back' : 'paused', state: status.state, why });
    }
    if (Date.now() > deadline) throw new ServiceUpdateFailed(service, { kind: 'timeout', state: status.state, seconds: Math.round(timeoutMs / 1000) });
    await new Promise((resolve) => setTimeout(resolve, poll));
  }
}
