import type { PlanStep } from '../plan/index.js';
import { runStep, type StepContext } from './context.js';
import { deleteRecord } from './dns.js';
import { undefinedIfGone } from './failure.js';

/**
 * Deletes one resource the state lists and removes it from the state right after, so an
 * interrupted destroy (or apply) leaves a state that lists exactly what still exists.
 */
export async function deleteResource(ctx: StepContext, step: PlanStep): Promise<void> {
  await runStep(ctx, step.id, `deleting ${step.kind} ${step.name}`, async () => {
    switch (step.kind) {
      case 'dns-record':
        await deleteRecord(ctx, step.zone, step.recordedId!);
        break;
      case 'firewall':
        await ctx.cloud.deleteFirewall(step.recordedId!).catch(undefinedIfGone);
        await ctx.store.update((s) => void (s.cloud.firewalls = s.cloud.firewalls.filter((f) => f.id !== step.recordedId)));
        break;
      case 'load-balancer':
        await ctx.cloud.deleteLoadBalancer(step.recordedId!).catch(undefinedIfGone);
        await ctx.store.update((s) => void delete s.cloud.loadBalancer);
        break;
      case 'droplet':
        await ctx.cloud.deleteDroplet(step.recordedId!).catch(undefinedIfGone);
        await ctx.store.update((s) => void (s.cloud.droplets = s.cloud.droplets.filter((d) => d.id !== step.recordedId)));
        break;
      case 'vpc':
        await ctx.cloud.deleteVpc(step.recordedId!).catch(undefinedIfGone);
        await ctx.store.update((s) => void delete s.cloud.vpc);
        break;
      case 'ssh-key':
        await ctx.cloud.deleteSshKey(step.recordedId!).catch(undefinedIfGone);
        await ctx.store.update((s) => void delete s.cloud.sshKey);
        break;
      case 'tag':
        await ctx.store.update((s) => void (s.cloud.tags = s.cloud.tags.filter((t) => t !== step.name)));
        return 'forgotten (tags without resources cost nothing)';
      case 'manual-dns':
        return `remove A ${step.host} at your DNS provider`;
    }
    return 'deleted';
  });
}
