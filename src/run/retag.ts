import type { DropletStep } from '../plan/index.js';
import { allSettled, throwIfAborted, type RunContext } from './context.js';
import { describeFailure, failSteps } from './failure.js';

type Change = 'add' | 'remove';

/**
 * Moves tags between existing droplets (the topology moved the entrypoint): one call per tag for
 * all droplets gaining it (or losing it). `apply` runs the gains before DNS moves and the losses
 * after, so the droplets traffic goes to stay open throughout.
 */
export async function retagDroplets(ctx: RunContext, steps: DropletStep[], change: Change): Promise<void> {
  const byTag = new Map<string, DropletStep[]>();
  for (const step of steps) {
    for (const tag of (change === 'add' ? step.addTags : step.removeTags) ?? []) byTag.set(tag, [...(byTag.get(tag) ?? []), step]);
  }
  const call = change === 'add' ? ctx.cloud.tagDroplets.bind(ctx.cloud) : ctx.cloud.untagDroplets.bind(ctx.cloud);
  await allSettled(
    [...byTag].map(async ([tag, tagged]) => {
      throwIfAborted(ctx);
      const names = tagged.map((s) => s.name).join(', ');
      for (const step of tagged) ctx.emit({ type: 'step-started', stepId: step.id, at: Date.now() });
      try {
        await call(tag, tagged.map((s) => s.recordedId!));
      } catch (error) {
        const reason = describeFailure(`${change === 'add' ? 'tagging' : 'untagging'} ${names} ${change === 'add' ? 'with' : 'from'} ${tag}`, error);
        throw failSteps(ctx.emit, tagged.map((s) => s.id), reason);
      }
      await ctx.store.update((s) => {
        for (const step of tagged) {
          const record = s.cloud.droplets.find((d) => d.id === step.recordedId);
          if (record) record.tags = change === 'add' ? [...new Set([...record.tags, tag])] : record.tags.filter((t) => t !== tag);
        }
      });
      for (const step of tagged) ctx.emit({ type: 'step-done', stepId: step.id, message: `${change === 'add' ? '+' : '-'}${tag}`, at: Date.now() });
    }),
  );
}
