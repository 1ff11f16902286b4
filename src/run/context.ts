import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import { RequestAbandoned } from '../adapters/digitalocean/stop.js';
import type { Config } from '../config/index.js';
import type { DropletRole } from '../state/index.js';
import type { StateStore } from '../state/index.js';
import type { ApplyEventListener } from './events.js';
import { ApplyAborted, describeFailure, StepFailed } from './failure.js';

export interface Timing {
  /** Between two list calls while waiting for droplets or the load balancer. */
  pollIntervalMs: number;
  /** How long droplets may take to become active before the step fails. */
  dropletTimeoutMs: number;
  loadBalancerTimeoutMs: number;
}

export const DEFAULT_TIMING: Timing = { pollIntervalMs: 3_000, dropletTimeoutMs: 10 * 60_000, loadBalancerTimeoutMs: 10 * 60_000 };

/** Everything a step executor needs; built once per run. */
export interface RunContext {
  cloud: CloudApi;
  config: Config;
  dir: string;
  store: StateStore;
  emit: ApplyEventListener;
  signal: AbortSignal | undefined;
  timing: Timing;
  /** cloud-init user data per droplet role. */
  userData: Record<DropletRole, string>;
}

/** What running a single step needs; destroy, which has no config, runs its deletes with this. */
export type StepContext = Omit<RunContext, 'config' | 'userData'>;

export function throwIfAborted(ctx: Pick<RunContext, 'signal'>): void {
  if (ctx.signal?.aborted) throw new ApplyAborted();
}

/** Waits `ms`, or less if the run is interrupted (then throws ApplyAborted). */
export function pause(ctx: Pick<RunContext, 'signal'>, ms: number): Promise<void> {
  throwIfAborted(ctx);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ApplyAborted());
    };
    const timer = setTimeout(() => {
      ctx.signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs one step's work with started/done/failed events. An API error becomes StepFailed with a
 * message naming the step; an interruption passes through untouched.
 */
export async function runStep(ctx: Pick<StepContext, 'emit' | 'signal'>, stepId: string, what: string, work: () => Promise<string>): Promise<void> {
  throwIfAborted(ctx);
  ctx.emit({ type: 'step-started', stepId, at: Date.now() });
  try {
    const message = await work();
    ctx.emit({ type: 'step-done', stepId, message, at: Date.now() });
  } catch (error) {
    if (error instanceof ApplyAborted) throw error;
    // A request the stopped run gave up on: the run's interruption, not the step's failure.
    if (error instanceof RequestAbandoned) throw new ApplyAborted();
    const reason = error instanceof StepFailed ? error.reason : describeFailure(what, error);
    ctx.emit({ type: 'step-failed', stepId, reason, at: Date.now() });
    throw error instanceof StepFailed ? error : new StepFailed(stepId, reason);
  }
}

/**
 * Runs independent work in parallel and waits for all of it, so every resource that comes into
 * existence is recorded before the run stops; then rethrows the first failure (an interruption
 * first, so the run ends as "interrupted").
 */
export async function allSettled(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const aborted = failures.find((f) => f instanceof ApplyAborted || f instanceof RequestAbandoned);
  if (aborted) throw aborted instanceof ApplyAborted ? aborted : new ApplyAborted();
  if (failures.length > 0) throw failures[0];
}
