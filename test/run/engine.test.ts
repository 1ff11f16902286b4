/**
 * The engine on its own (src/run/engine.ts), with handlers that only record what they were asked:
 * phases in order, the work of a phase at the same time, a failing step, a resumed run, an abort — for
 * both ways a phase's work is started: each deploy step on its own, each kind of cloud step together.
 */
import { describe, expect, it } from 'vitest';
import { cloudPhases, type CloudPhase, type DeployPhase, type DeployStep, type DeployStepOp, type PlanStep, type StepOp } from '../../src/plan/index.js';
import { eachKind, eachStep, runPhases, type CloudHandlerMap, type EngineContext, type HandlerMap } from '../../src/run/engine.js';
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

interface Script {
  delays?: Record<string, number>;
  fail?: Set<string>;
  onStart?: (id: string) => void;
}

/** Records `start:<id>` and `end:<id>` around `delays[id]` ms (default 5); fails or aborts when told to. */
async function work(ctx: Recorder, id: string, script: Script): Promise<void> {
  ctx.trace.push(`start:${id}`);
  script.onStart?.(id);
  await new Promise((resolve) => setTimeout(resolve, script.delays?.[id] ?? 5));
  ctx.trace.push(`end:${id}`);
  if (script.fail?.has(id)) throw new CommandFailed({ command: { argv: ['false'], description: `run ${id}` }, nodeName: 'n1', exitCode: 1, stderr: 'it broke' });
}

/** Deploy handlers: one call per step. */
function handlers(script: Script = {}): HandlerMap<Recorder> {
  const one = async (ctx: Recorder, step: DeployStep): Promise<string> => {
    await work(ctx, step.id, script);
    return `${step.id} done`;
  };
  return { node: one, swarm: one, preflight: one, 'proxy-files': one, stack: one, certificate: one, support: one };
}

const PHASES: DeployPhase[] = [
  { name: 'nodes', steps: [node('a'), node('b'), node('c')] },
  { name: 'stack', steps: [node('z')] },
];

const doneIds = (ctx: Recorder): string[] => ctx.events.flatMap((event) => (event.type === 'step-done' ? [event.stepId] : [])).sort();

describe('runPhases, each deploy step on its own', () => {
  it('runs the phases in order and the steps of one phase at the same time', async () => {
    const ctx = context();
    await runPhases(ctx, PHASES, eachStep(handlers({ delays: { 'node:a': 30, 'node:b': 10, 'node:c': 20 } })));
    // All three nodes start before any ends: they run together …
    expect(ctx.trace.slice(0, 3).sort()).toEqual(['start:node:a', 'start:node:b', 'start:node:c']);
    // … and the next phase starts only when the last of them has ended.
    expect(ctx.trace.indexOf('start:node:z')).toBe(ctx.trace.lastIndexOf('end:node:a') + 1);
    expect(doneIds(ctx)).toEqual(['node:a', 'node:b', 'node:c', 'node:z']);
  });

  it('does not run a step whose op is same', async () => {
    const ctx = context();
    await runPhases(ctx, [{ name: 'nodes', steps: [node('a', 'same'), node('b')] }], eachStep(handlers()));
    expect(ctx.trace).toEqual(['start:node:b', 'end:node:b']);
  });

  it('a failing step: the others of its phase finish, the next phase does not run, the failure names the step', async () => {
    const ctx = context();
    const run = runPhases(ctx, PHASES, eachStep(handlers({ fail: new Set(['node:b']), delays: { 'node:a': 40 } })));
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
    await runPhases(first, PHASES, eachStep(handlers({ fail: new Set(['node:c']) }))).catch(() => undefined);
    const done = new Set(doneIds(first));
    expect([...done].sort()).toEqual(['node:a', 'node:b']);
    const replanned: DeployPhase[] = PHASES.map((phase) => ({ ...phase, steps: phase.steps.map((step) => (done.has(step.id) ? { ...step, op: 'same' as const } : step)) }));
    const second = context();
    await runPhases(second, replanned, eachStep(handlers()));
    expect(second.trace).toEqual(['start:node:c', 'end:node:c', 'start:node:z', 'end:node:z']);
  });

  it('an abort stops the run after the steps in flight: nothing of the next phase starts', async () => {
    const controller = new AbortController();
    const ctx = context(controller.signal);
    const run = runPhases(ctx, PHASES, eachStep(handlers({ delays: { 'node:a': 30 }, onStart: (id) => id === 'node:b' && controller.abort() })));
    await expect(run).rejects.toBeInstanceOf(ApplyAborted);
    expect(ctx.trace).toContain('end:node:a');
    expect(ctx.trace).not.toContain('start:node:z');
  });

  it('an abort before the run starts runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const ctx = context(controller.signal);
    await expect(runPhases(ctx, PHASES, eachStep(handlers()))).rejects.toBeInstanceOf(ApplyAborted);
    expect(ctx.trace).toEqual([]);
  });

  it('phase names come from a closed union', () => {
    // @ts-expect-error 'certificate' is not a deploy phase ('certificates' is): a misspelt phase does not compile.
    const misspelt: DeployPhase = { name: 'certificate', steps: [] };
    expect(misspelt.steps).toEqual([]);
  });
});

const tag = (name: string, op: StepOp = 'create'): PlanStep => ({ kind: 'tag', op, id: `tag:${name}`, name, description: `tag ${name}` });
const vpc = (name: string, op: StepOp = 'create'): PlanStep => ({ kind: 'vpc', op, id: `vpc:${name}`, name, region: 'fra1', description: `vpc ${name}` });
const record = (name: string, op: StepOp = 'create'): PlanStep => ({ kind: 'dns-record', op, id: `dns-record:${name}`, name, zone: 'a.com', host: name, recordName: '@', target: { droplet: 'd1' }, description: `A ${name}` });

/** Cloud handlers: one call per kind and phase, traced as `<phase>/<kind>` with the ids it was given. */
function batchHandlers(script: Script = {}): CloudHandlerMap<Recorder> & { calls: string[] } {
  const calls: string[] = [];
  const batch = async (ctx: Recorder, steps: PlanStep[], phase: CloudPhase['name']): Promise<void> => {
    const id = `${phase}/${steps[0]!.kind}`;
    calls.push(`${id} ${steps.map((step) => step.id).join(' ')}`);
    await work(ctx, id, script);
    for (const step of steps) ctx.emit({ type: 'step-done', stepId: step.id, message: 'done', at: 0 });
  };
  return { calls, tag: batch, 'ssh-key': batch, vpc: batch, droplet: batch, 'load-balancer': batch, firewall: batch, 'dns-record': batch, 'manual-dns': batch };
}

describe('runPhases, each kind of cloud step together', () => {
  const STEPS = [tag('a'), vpc('v'), tag('b'), record('a.com'), record('b.com')];

  it('gives each kind its steps of a phase in one call, the kinds at the same time, the phases in order', async () => {
    const ctx = context();
    const handlers = batchHandlers({ delays: { 'basics/tag': 30, 'basics/vpc': 10 } });
    await runPhases(ctx, cloudPhases(STEPS), eachKind(handlers));
    expect(handlers.calls).toEqual(['basics/tag tag:a tag:b', 'basics/vpc vpc:v', 'dns/dns-record dns-record:a.com dns-record:b.com']);
    expect(ctx.trace.slice(0, 2).sort()).toEqual(['start:basics/tag', 'start:basics/vpc']);
    expect(ctx.trace.indexOf('start:dns/dns-record')).toBe(ctx.trace.indexOf('end:basics/tag') + 1);
  });

  it('a failing kind: the other kinds of its phase settle, the next phase does not run, the failure passes through', async () => {
    const ctx = context();
    const run = runPhases(ctx, cloudPhases(STEPS), eachKind(batchHandlers({ fail: new Set(['basics/vpc']), delays: { 'basics/tag': 30 } })));
    await expect(run).rejects.toBeInstanceOf(CommandFailed);
    expect(ctx.trace).toContain('end:basics/tag');
    expect(ctx.trace).not.toContain('start:dns/dns-record');
  });

  it('resumes: what the first run did is same in the next plan, which runs only what is left', async () => {
    const first = context();
    await runPhases(first, cloudPhases(STEPS), eachKind(batchHandlers({ fail: new Set(['dns/dns-record']) }))).catch(() => undefined);
    const done = new Set(doneIds(first));
    expect([...done].sort()).toEqual(['tag:a', 'tag:b', 'vpc:v']);
    const second = context();
    const handlers = batchHandlers();
    await runPhases(second, cloudPhases(STEPS.map((step) => (done.has(step.id) ? { ...step, op: 'same' } : step))), eachKind(handlers));
    expect(handlers.calls).toEqual(['dns/dns-record dns-record:a.com dns-record:b.com']);
  });

  it('an abort stops the run after the kinds in flight: nothing of the next phase starts', async () => {
    const controller = new AbortController();
    const ctx = context(controller.signal);
    const run = runPhases(ctx, cloudPhases(STEPS), eachKind(batchHandlers({ delays: { 'basics/tag': 30 }, onStart: (id) => id === 'basics/vpc' && controller.abort() })));
    await expect(run).rejects.toBeInstanceOf(ApplyAborted);
    expect(ctx.trace).toContain('end:basics/tag');
    expect(ctx.trace).not.toContain('start:dns/dns-record');
  });
});
