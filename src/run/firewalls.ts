import type { Firewall, FirewallRule, FirewallSpec } from '../adapters/digitalocean/cloud-api.js';
import type { FirewallStep, PlannedFirewall, PlannedFirewallRule } from '../plan/index.js';
import { allSettled, runStep, throwIfAborted, type RunContext } from './context.js';
import { undefinedIfGone } from './failure.js';

function resolveRule(ctx: RunContext, rule: PlannedFirewallRule): FirewallRule {
  const lb = ctx.store.state.cloud.loadBalancer;
  const uids = (rule.loadBalancers ?? []).map((name) => {
    if (!lb || lb.name !== name) throw new Error(`load balancer ${name} is not recorded yet`);
    return lb.id;
  });
  return {
    protocol: rule.protocol,
    ports: rule.ports,
    ...(rule.addresses ? { addresses: rule.addresses } : {}),
    ...(rule.tags ? { tags: rule.tags } : {}),
    ...(uids.length > 0 ? { loadBalancerUids: uids } : {}),
  };
}

function resolve(ctx: RunContext, spec: PlannedFirewall): FirewallSpec {
  return { name: spec.name, tags: spec.tags, inbound: spec.inbound.map((r) => resolveRule(ctx, r)), outbound: spec.outbound.map((r) => resolveRule(ctx, r)) };
}

/** Creates (or adopts by name) or updates each firewall, in parallel; one list call covers all adoptions. */
export async function applyFirewalls(ctx: RunContext, steps: FirewallStep[]): Promise<void> {
  if (steps.length === 0) return;
  let listing: Promise<Firewall[]> | undefined;
  const existing = () => (listing ??= ctx.cloud.listFirewalls());
  await allSettled(
    steps.map((step) =>
      runStep(ctx, step.id, `${step.op === 'update' ? 'updating' : 'creating'} firewall ${step.name}`, async () => {
        const spec = resolve(ctx, step.spec);
        let firewall: Firewall | undefined;
        let outcome = 'updated';
        if (step.op === 'update' && step.recordedId) {
          firewall = await ctx.cloud.updateFirewall(step.recordedId, spec).catch(undefinedIfGone);
          if (!firewall) ctx.emit({ type: 'step-progress', stepId: step.id, message: 'it was deleted outside swarm-wiz; creating it again' });
        }
        if (!firewall) {
          const match = (await existing()).find((f) => f.name === step.name);
          throwIfAborted(ctx);
          firewall = match ? await ctx.cloud.updateFirewall(match.id, spec) : await ctx.cloud.createFirewall(spec);
          outcome = match ? `found and brought up to date (id ${firewall.id})` : `created (id ${firewall.id})`;
        }
        const saved = firewall;
        await ctx.store.update((s) => {
          s.cloud.firewalls = [...s.cloud.firewalls.filter((f) => f.name !== step.name), { id: saved.id, name: step.name, spec: step.spec }];
        });
        return outcome;
      }),
    ),
  );
}
