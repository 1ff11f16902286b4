import type { CloudPhase, CloudPhaseName, DeployStep, DeployStepKind, Phase, PlanStep, StepKind } from '../plan/index.js';
import { CommandAborted, TargetError } from '../targets/errors.js';
import { allSettled, runStep, throwIfAborted } from './context.js';
import type { ApplyEventListener } from './events.js';
import { ApplyAborted, StepFailed } from './failure.js';

/** What the engine itself needs from a run's context. */
export interface EngineContext {
  emit: ApplyEventListener;
  signal: AbortSignal | undefined;
}

/** Does one step; resolves with one line for the progress row ("initialised", "2 files, reloaded"). */
export type StepHandler<C, S> = (ctx: C, step: S) => Promise<string>;

/**
 * One handler per kind of step. A mapped type over every kind: adding a kind to DeployStep without a
 * handler here does not compile.
 */
export type HandlerMap<C> = { readonly [K in DeployStepKind]: StepHandler<C, Extract<DeployStep, { kind: K }>> };

async function dispatch<C>(handlers: HandlerMap<C>, ctx: C, step: DeployStep): Promise<string> {
  // Each kind's handler takes exactly that kind; TypeScript cannot follow the correlation through the index.
  const handler = handlers[step.kind] as StepHandler<C, DeployStep>;
  try {
    return await handler(ctx, step);
  } catch (error) {
    // A command stopped by Ctrl-C is the run's interruption; a failed command is the step's failure, with its own hint.
    if (error instanceof CommandAborted) throw new ApplyAborted();
    if (error instanceof TargetError) throw new StepFailed(step.id, { message: `${step.description}: ${error.summary}`, hint: error.hint });
    throw error;
  }
}

/**
 * Runs the phases in order and the steps of one phase concurrently, each with started/done/failed
 * events. Unchanged steps are not run. A failure lets the other steps of its phase finish (so what they
 * did is recorded), then stops the run; an abort (Ctrl-C, SIGTERM) stops it after the steps in flight.
 * Handlers record what they change in the state themselves, the moment it exists, so the next run
 * resumes where this one stopped.
 */
export async function runPhases<C extends EngineContext>(ctx: C, phases: readonly Phase[], handlers: HandlerMap<C>): Promise<void> {
  for (const phase of phases) {
    throwIfAborted(ctx);
    const todo = phase.steps.filter((step) => step.op !== 'same');
    await allSettled(todo.map((step) => runStep(ctx, step.id, step.description, () => dispatch(handlers, ctx, step))));
  }
  throwIfAborted(ctx);
}

/** Does one kind's steps of one cloud phase together (one bulk create for many droplets); reports each step's progress itself. */
export type BatchHandler<C, S> = (ctx: C, steps: S[], phase: CloudPhaseName) => Promise<void>;

/** One batch handler per kind of cloud step: a kind without one does not compile. */
export type CloudHandlerMap<C> = { readonly [K in StepKind]: BatchHandler<C, Extract<PlanStep, { kind: K }>> };

/**
 * The same loop for the cloud: phases in order; within a phase each kind's steps go to its handler
 * together (DigitalOcean creates droplets in bulk), the kinds concurrently. A failure lets the rest of
 * the phase settle (so everything that came into existence is recorded), then stops the run.
 */
export async function runCloudPhases<C extends EngineContext>(ctx: C, phases: readonly CloudPhase[], handlers: CloudHandlerMap<C>): Promise<void> {
  for (const phase of phases) {
    throwIfAborted(ctx);
    const byKind = new Map<StepKind, PlanStep[]>();
    for (const step of phase.steps) byKind.set(step.kind, [...(byKind.get(step.kind) ?? []), step]);
    await allSettled([...byKind].map(([kind, steps]) => (handlers[kind] as BatchHandler<C, PlanStep>)(ctx, steps, phase.name)));
  }
  throwIfAborted(ctx);
}
