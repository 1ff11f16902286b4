/**
 * The engine on its own (src/run/engine.ts), with handlers that only record what they were asked:
 * phases in order, the steps of a phase at the same time, a failing step, a resumed run, an abort.
 */
import { describe, expect, it } from 'vitest';
import type { DeployStep, DeployStepOp, Phase } from '../../src/plan/index.js';
import { runPhases, type EngineContext, type HandlerMap } from '../../src/run/engine.js';
import type { ApplyEvent } from '../../src/run/events.js';
import { ApplyAborted, StepFailed } from '../../src/run/failure.js';
import { CommandFailed } from '../../src/targets/errors.js';

const node = (name: string, op: DeployStepOp = 'create'): DeployStep => ({ kind: 'node', op, id: `node:${name}`, name, description: `prepare ${name}`, node: name, dir: '/srv/x' });

interface Recorder extends EngineContext {
  events: ApplyEvent[];
  /** `start:<id>` and `end:<id>`, in the order they happened. */
  trace: string[];
}

function context(signal?: AbortSignal): Recorder {
  const events: ApplyEvent[] = [];
  return { events, trace: [], emit: (event) => events.push(event), signal };
}

/** Handlers that take `delays[id]` ms (default 5), and fail or abort when told to. */
function handlers(options: { delays?: Record<string, number>; fail?: Set<string>; onStart?: (id: string) => void } = {}): HandlerMap<Recorder> {
  const work = async (ctx: Recorder, step: DeployStep): Promise<string> => {
    ctx.trace.push(`start:${step.id}`);
    options.onStart?.(step.id);
    await new Promise((resolve) => setTimeout(resolve, options.delays?.[step.id] ?? 5));
    ctx.trace.push(`end:${step.id}`);
    if (options.fail?.has(step.id)) {
      throw new CommandFailed({ command: { argv: ['false'], description: `run ${step.id}` }, nodeName: 'n1', exitCode: 1, stderr: 'it broke' });
    }
    return `${step.id} done`;
  };
  return { node: work, swarm: work, preflight: work, 'proxy-files': work, stack: work, certificate: work, support: work };
}

const PHASES: Phase[] = [
  { name: 'nodes', steps: [node('a'), node('b'), node('c')] },
  { name: 'last', steps: [node('z')] },
];

describe('runPhases', () => {
  it('runs the phases in order and the steps of one phase at the same time', async () => {
    const ctx = context();
    await runPhases(ctx, PHASES, handlers({ delays: { 'node:a': 30, 'node:b': 10, 'node:c': 20 } }));
    // All three nodes start before any ends: they run together …
    expect(ctx.trace.slice(0, 3).sort()).toEqual(['start:node:a', 'start:node:b', 'start:node:c']);
    // … and the last phase starts only when the last of them has ended.
    expect(ctx.trace.indexOf('start:node:z')).toBe(ctx.trace.lastIndexOf('end:node:a') + 1);
    expect(ctx.events.filter((event) => event.type === 'step-done').map((event) => (event as { stepId: string }).stepId).sort()).toEqual(['node:a', 'node:b', 'node:c', 'node:z']);
  });

  it('does not run a step whose op is same', async () => {
    const ctx = context();
    await runPhases(ctx, [{ name: 'nodes', steps: [node('a', 'same'), node('b')] }], handlers());
    expect(ctx.trace).toEqual(['start:node:b', 'end:node:b']);
  });

  it('a failing step: the others of its phase finish, the next phase does not run, the failure names the step', async () => {
    const ctx = context();
    const run = runPhases(ctx, PHASES, handlers({ fail: new Set(['node:b']), delays: { 'node:a': 40 } }));
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StepFailed);
    expect((error as StepFailed).stepId).toBe('node:b');
    expect((error as StepFailed).reason.message).toContain('prepare b');
    expect(ctx.trace).toContain('end:node:a');
    expect(ctx.trace).not.toContain('start:node:z');
    const failed = ctx.events.find((event) => event.type === 'step-failed');
    expect(failed).toMatchObject({ stepId: 'node:b' });
  });

  it('resumes: a second run whose plan marks the finished steps same runs only what is left', async () => {
    const first = context();
    await runPhases(first, PHASES, handlers({ fail: new Set(['node:c']) })).catch(() => undefined);
    const done = new Set(first.events.filter((event) => event.type === 'step-done').map((event) => (event as { stepId: string }).stepId));
    expect([...done].sort()).toEqual(['node:a', 'node:b']);
    const replanned: Phase[] = PHASES.map((phase) => ({ ...phase, steps: phase.steps.map((step) => (done.has(step.id) ? { ...step, op: 'same' as const } : step)) }));
    const second = context();
    await runPhases(second, replanned, handlers());
    expect(second.trace).toEqual(['start:node:c', 'end:node:c', 'start:node:z', 'end:node:z']);
  });

  it('an abort stops the run after the steps in flight: nothing of the next phase starts', async () => {
    const controller = new AbortController();
    const ctx = context(controller.signal);
    const run = runPhases(ctx, PHASES, handlers({ delays: { 'node:a': 30 }, onStart: (id) => id === 'node:b' && controller.abort() }));
    await expect(run).rejects.toBeInstanceOf(ApplyAborted);
    expect(ctx.trace).toContain('end:node:a');
    expect(ctx.trace).not.toContain('start:node:z');
  });

  it('an abort before the run starts runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const ctx = context(controller.signal);
    await expect(runPhases(ctx, PHASES, handlers())).rejects.toBeInstanceOf(ApplyAborted);
    expect(ctx.trace).toEqual([]);
  });
});
