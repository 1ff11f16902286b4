import type { CloudPhase, CloudPhaseName, DeployPhase, DeployStep, DeployStepKind, Phase, PlanStep, StepKind } from '../plan/index.js';
import { CommandAborted, TargetError } from '../targets/errors.js';
import { allSettled, runStep, throwIfAborted } from './context.js';
import type { ApplyEventListener } from './events.js';
import { ApplyAborted, StepFailed } from './failure.js';

/** What the engine itself needs from a run's context. */
export interface EngineContext {
  emit: ApplyEventListener;
  signal: AbortSignal | undefined;
}

/**
 * Starts the work of one phase: one task per step (deploy) or per kind of step (cloud). Each task
 * reports its own progress events; the engine waits for all of them.
 */
export type PhaseRunner<C, P> = (ctx: C, phase: P) => Promise<unknown>[];

/**
 * The one loop of every run: the phases in order, the work of one phase concurrently. A failure lets the
 * rest of its phase settle (so everything that came into existence is recorded), then stops the run; an
 * abort (Ctrl-C, SIGTERM) stops it after the work in flight. Handlers record what they change in the
 * state themselves, the moment it exists, so the next run plans only what is left: that is the resume.
 */
export async function runPhases<C extends EngineContext, P extends Phase<string, unknown>>(ctx: C, phases: readonly P[], runPhase: PhaseRunner<C, P>): Promise<void> {
  for (const phase of phases) {
    throwIfAborted(ctx);
    await allSettled(runPhase(ctx, phase));
  }
  throwIfAborted(ctx);
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
 * Deploy phases: each step on its own, with started/done/failed events; unchanged steps (op `same`) are
 * not run.
 */
export const eachStep =
  <C extends EngineContext>(handlers: HandlerMap<C>): PhaseRunner<C, DeployPhase> =>
  (ctx, phase) =>
    phase.steps.filter((step) => step.op !== 'same').map((step) => runStep(ctx, step.id, step.description, () => dispatch(handlers, ctx, step)));

/** Does one kind's steps of one cloud phase together (one bulk create for many droplets); reports each step's progress itself. */
export type BatchHandler<C, S> = (ctx: C, steps: S[], phase: CloudPhaseName) => Promise<void>;

/** One batch handler per kind of cloud step: a kind without one does not compile. */
export type CloudHandlerMap<C> = { readonly [K in StepKind]: BatchHandler<C, Extract<PlanStep, { kind: K }>> };

/**
 * Cloud phases: each kind's steps go to its handler together (DigitalOcean creates droplets in bulk),
 * the kinds concurrently, each told which phase it is in.
 */
export const eachKind =
  <C extends EngineContext>(handlers: CloudHandlerMap<C>): PhaseRunner<C, CloudPhase> =>
  (ctx, phase) => {
    const byKind = new Map<StepKind, PlanStep[]>();
    for (const step of phase.steps) byKind.set(step.kind, [...(byKind.get(step.kind) ?? []), step]);
    return [...byKind].map(([kind, steps]) => (handlers[kind] as BatchHandler<C, PlanStep>)(ctx, steps, phase.name));
  };
