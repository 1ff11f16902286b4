import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import { RequestAbandoned, type StopRequests } from '../adapters/digitalocean/index.js';
import { cloudPhases, planDestroy, type PlanStep } from '../plan/index.js';
import { eachKind, runPhases, type BatchHandler, type CloudHandlerMap } from '../run/engine.js';
import { loadState, StateStore, type State } from '../state/index.js';
import { DEFAULT_TIMING, pause, throwIfAborted, type StepContext, type Timing } from '../run/context.js';
import { cloudFromToken } from './provision.js';
import { recordingUnanswered } from './interruption.js';
import { deleteResource } from '../run/deletes.js';
import type { ApplyEventListener } from '../run/events.js';
import { ApplyAborted, describeFailure, failSteps, StepFailed } from '../run/failure.js';
import { changingProject } from './project-lock.js';

export interface DestroyOptions {
  /** Project directory holding `.swarm-wiz/state.json`. */
  dir: string;
  project: string;
  token?: string;
  apiUrl?: string;
  /** An API client to use instead of one built from `token` (tests). */
  cloud?: CloudApi;
  onEvent?: ApplyEventListener;
  signal?: AbortSignal;
  timing?: Partial<Timing>;
  /** How often a VPC delete is retried while DigitalOcean still lists its droplets (default 20). */
  vpcAttempts?: number;
}

/**
 * Deletes exactly what the state lists — nothing found by guessing — and removes each resource
 * from the state as soon as it is gone, so an interrupted destroy resumes where it stopped.
 * Confirmation (typing the project name) is the caller's job; this runs unconditionally.
 */
export function runDestroy(options: DestroyOptions): Promise<{ steps: PlanStep[]; state: State }> {
  return changingProject(options.dir, 'destroy', () => destroyRecorded(options));
}

// A delete left unanswered may have happened: the state keeps the resource, and the next destroy finds it gone or deletes it.
const destroyRecorded = (options: DestroyOptions) => recordingUnanswered({ dir: options.dir, name: options.project }, options.signal, (stop) => destroyWith(options, stop));

async function destroyWith(options: DestroyOptions, stop: StopRequests | undefined): Promise<{ steps: PlanStep[]; state: State }> {
  const emit: ApplyEventListener = options.onEvent ?? (() => undefined);
  const state = await loadState(options.dir, options.project);
  const cloud = options.cloud ?? cloudFromToken(options.token, options.apiUrl, emit, {}, stop);
  try {
    await cloud.verifyToken();
  } catch (error) {
    if (error instanceof RequestAbandoned) throw new ApplyAborted();
    throw failSteps(emit, ['account'], describeFailure('checking the DigitalOcean account', error));
  }
  const steps = planDestroy(state);
  emit({ type: 'planned', steps });
  const store = new StateStore(options.dir, state);
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const ctx: StepContext = { cloud, dir: options.dir, store, emit, signal: options.signal, timing };
  await runPhases(ctx, cloudPhases(steps), eachKind(destroyHandlers(options.vpcAttempts ?? 20)));
  await store.update((s) => void (s.cloud.tags = []));
  emit({ type: 'finished', created: 0, updated: 0, deleted: steps.length, manualDns: [] });
  return { steps, state: store.state };
}

/** Every kind is only deleted here, one step per phase in the plan's order; a VPC waits until it is empty. */
function destroyHandlers(vpcAttempts: number): CloudHandlerMap<StepContext> {
  const each: BatchHandler<StepContext, PlanStep> = async (ctx, steps) => {
    for (const step of steps) {
      throwIfAborted(ctx);
      if (step.kind === 'vpc') await deleteVpcWhenEmpty(ctx, step, vpcAttempts);
      else await deleteResource(ctx, step);
    }
  };
  return { tag: each, 'ssh-key': each, vpc: each, droplet: each, 'load-balancer': each, firewall: each, 'dns-record': each, 'manual-dns': each };
}

/** DigitalOcean refuses to delete a VPC until the droplets being deleted have left it. */
async function deleteVpcWhenEmpty(ctx: StepContext, step: PlanStep, attempts: number): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deleteResource({ ...ctx, emit: attempt < attempts ? quietFailures(ctx) : ctx.emit }, step);
      return;
    } catch (error) {
      if (attempt >= attempts || !(error instanceof StepFailed)) throw error;
      ctx.emit({ type: 'retrying', what: `deleting VPC ${step.name}`, attempt, delayMs: ctx.timing.pollIntervalMs, reason: 'its droplets are still being removed' });
      await pause(ctx, ctx.timing.pollIntervalMs);
    }
  }
}

const quietFailures = (ctx: StepContext): ApplyEventListener => (event) => {
  if (event.type !== 'step-failed') ctx.emit(event);
};
