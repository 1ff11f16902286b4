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
import type { CloudCredentials } from './credentials.js';
import { UsageError } from './errors.js';
import { loadProjectState } from './project-state.js';
import { underProgress, type RunIo } from './run-io.js';

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

export interface DestroyRequest {
  configPath: string;
  dir: string;
  credentials: CloudCredentials;
}

export interface DestroyIo extends RunIo {
  /** Shows what will be deleted and has the person confirm it (typing the project name); throws to stop. */
  confirm: (what: { project: string; steps: PlanStep[]; statePath: string }) => Promise<void>;
}

export interface DestroyOutcome {
  project: string;
  statePath: string;
  /** How many resources were deleted: 0 when the state listed none. */
  deleted: number;
}

/**
 * `swarm-wiz destroy`: holds the project lock before the state is read and the name is asked (so a
 * destroy never asks while another command changes the project), has `io` confirm, then deletes
 * exactly what the state lists under live progress.
 */
export function destroy(request: DestroyRequest, io: DestroyIo): Promise<DestroyOutcome> {
  return changingProject(request.dir, 'destroy', async () => {
    const [{ loadConfig }, { statePath: statePathOf }] = await Promise.all([import('../config/index.js'), import('../state/index.js')]);
    const { dir } = request;
    const { project } = await loadConfig(request.configPath);
    const statePath = statePathOf(dir);
    const steps = planDestroy(await loadProjectState(dir, project, io.warn));
    if (steps.length === 0) return { project, statePath, deleted: 0 };
    await io.confirm({ project, steps, statePath });
    const { token, apiUrl } = request.credentials;
    if (!token) throw new UsageError('DIGITALOCEAN_TOKEN is not set: destroy needs a read/write token to delete the resources. Nothing was deleted.');
    await underProgress(
      io,
      { action: 'destroy', project },
      {
        shown: (by) => `Interrupted (${by}).`,
        exit: 'Interrupted: the state lists exactly what is left. Run destroy again to finish.',
        afterFailure: 'The state lists exactly what is left; run destroy again to finish.',
      },
      (onEvent, signal) => runDestroy({ dir, project, token, apiUrl, onEvent, signal }),
    );
    return { project, statePath, deleted: steps.length };
  });
}
