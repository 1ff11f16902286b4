import type { LoadBalancer, LoadBalancerSpec } from '../adapters/digitalocean/cloud-api.js';
import type { LoadBalancerStep, PlannedLoadBalancer } from '../plan/index.js';
import { pause, runStep, throwIfAborted, type RunContext } from './context.js';
import { failSteps, seconds, undefinedIfGone } from './failure.js';

function resolve(ctx: RunContext, spec: PlannedLoadBalancer): LoadBalancerSpec {
  const vpc = ctx.store.state.cloud.vpc;
  return {
    name: spec.name,
    region: spec.region,
    ...(vpc && vpc.name === spec.vpc ? { vpcUuid: vpc.id } : {}),
    tag: spec.tag,
    forwarding: spec.forwarding.map((f) => ({ ...f })),
    healthCheck: { ...spec.healthCheck },
  };
}

async function record(ctx: RunContext, lb: LoadBalancer, spec: PlannedLoadBalancer): Promise<void> {
  await ctx.store.update((s) => {
    s.cloud.loadBalancer = { id: lb.id, name: lb.name, ...(lb.ip ? { ip: lb.ip } : {}), spec };
  });
}

/** Creates (or adopts by name) or updates the load balancer; `waitForLoadBalancer` then gets its IP. */
export async function applyLoadBalancer(ctx: RunContext, step: LoadBalancerStep): Promise<void> {
  await runStep(ctx, step.id, `${step.op === 'update' ? 'updating' : 'creating'} load balancer ${step.name}`, async () => {
    if (step.op === 'update' && step.recordedId) {
      const lb = await ctx.cloud.updateLoadBalancer(step.recordedId, resolve(ctx, step.spec)).catch(undefinedIfGone);
      if (lb) {
        await record(ctx, lb, step.spec);
        return 'updated';
      }
      ctx.emit({ type: 'step-progress', stepId: step.id, message: 'it was deleted outside swarm-wiz; creating it again' });
    }
    const existing = (await ctx.cloud.listLoadBalancers()).find((lb) => lb.name === step.name);
    throwIfAborted(ctx);
    const lb = existing ?? (await ctx.cloud.createLoadBalancer(resolve(ctx, step.spec)));
    await record(ctx, lb, step.spec);
    return existing ? `found (id ${lb.id})` : `created (id ${lb.id}), starting`;
  });
}

/** One list call per interval until the load balancer is active with an IP. */
export async function waitForLoadBalancer(ctx: RunContext, stepId: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    const recorded = ctx.store.state.cloud.loadBalancer;
    if (!recorded || recorded.ip) return;
    ctx.emit({ type: 'waiting', stepIds: [stepId], message: `waiting for load balancer ${recorded.name} to get its IP` });
    if (Date.now() - started > ctx.timing.loadBalancerTimeoutMs) {
      throw failSteps(ctx.emit, [stepId], { message: `load balancer ${recorded.name} did not become active within ${seconds(ctx.timing.loadBalancerTimeoutMs)} s`, hint: 'Look at it in the DigitalOcean console; run apply again to keep waiting.' });
    }
    await pause(ctx, ctx.timing.pollIntervalMs);
    let lb: LoadBalancer | undefined;
    try {
      lb = (await ctx.cloud.listLoadBalancers()).find((l) => l.id === recorded.id);
    } catch (error) {
      await runStep(ctx, stepId, `waiting for load balancer ${recorded.name}`, () => Promise.reject(error));
      return;
    }
    if (!lb) throw failSteps(ctx.emit, [stepId], { message: `load balancer ${recorded.name} (id ${recorded.id}) disappeared while starting`, hint: 'Run apply again to create it anew.' });
    if (lb.status === 'errored') throw failSteps(ctx.emit, [stepId], { message: `load balancer ${recorded.name} reports status errored`, hint: 'Look at it in the DigitalOcean console; run destroy and apply again to replace it.' });
    if (lb.status === 'active' && lb.ip) {
      await record(ctx, lb, recorded.spec as PlannedLoadBalancer);
      ctx.emit({ type: 'step-done', stepId, message: `active, ${lb.ip}`, at: Date.now() });
    }
  }
}
