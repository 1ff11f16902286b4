import { BULK_CREATE_LIMIT, type Droplet } from '../adapters/digitalocean/index.js';
import { projectTag, type DropletStep } from '../plan/index.js';
import type { DropletRecord } from '../state/index.js';
import { access } from 'node:fs/promises';
import { dropletRecord } from './adopt.js';
import { sshKeyPath } from '../adapters/ssh-key.js';
import { allSettled, pause, runStep, type RunContext } from './context.js';
import { failSteps, seconds } from './failure.js';

function batches(steps: DropletStep[]): DropletStep[][] {
  const groups = new Map<string, DropletStep[]>();
  for (const step of steps) {
    const key = `${step.role}|${[...step.tags].sort().join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), step]);
  }
  const out: DropletStep[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += BULK_CREATE_LIMIT) out.push(group.slice(i, i + BULK_CREATE_LIMIT));
  }
  return out;
}

async function recordDroplets(ctx: RunContext, droplets: Droplet[], steps: DropletStep[]): Promise<void> {
  const roleOf = new Map(steps.map((s) => [s.name, s.role]));
  await ctx.store.update((s) => {
    for (const droplet of droplets) {
      const record = dropletRecord(droplet, roleOf.get(droplet.name) ?? 'worker');
      const at = s.cloud.droplets.findIndex((d) => d.id === droplet.id);
      if (at >= 0) s.cloud.droplets[at] = record;
      else s.cloud.droplets.push(record);
    }
  });
}

/**
 * One bulk create per role (droplets of a role share tags and cloud-init; at most ten a request),
 * all in parallel; every id is recorded the moment the response arrives, even if the run was
 * interrupted meanwhile.
 */
export async function createDroplets(ctx: RunContext, steps: DropletStep[]): Promise<void> {
  if (steps.length === 0) return;
  const { vpc, sshKey } = ctx.store.state.cloud;
  if (sshKey && !(await exists(sshKeyPath(ctx.dir)))) {
    const reason = {
      message: `the private key ${sshKeyPath(ctx.dir)} is missing, so new droplets (which get SSH key ${sshKey.name}) could not be reached`,
      hint: 'Restore .swarm-wiz/ssh/ from a backup, then run apply again. Nothing was created.',
    };
    throw failSteps(ctx.emit, steps.map((s) => s.id), reason);
  }
  await allSettled(
    batches(steps).map(async (batch) => {
      const first = batch[0]!;
      const ids = batch.map((s) => s.id);
      const startedAt = Date.now();
      for (const id of ids) ctx.emit({ type: 'step-started', stepId: id, at: startedAt });
      let created: Droplet[];
      try {
        created = await ctx.cloud.createDroplets({
          names: batch.map((s) => s.name),
          region: first.region,
          size: first.size,
          image: first.image,
          tags: first.tags,
          userData: ctx.userData[first.role],
          ...(vpc ? { vpcUuid: vpc.id } : {}),
          sshKeyIds: sshKey ? [sshKey.id] : [],
        });
      } catch (error) {
        await runStep(ctx, first.id, `creating ${batch.map((s) => s.name).join(', ')}`, () => Promise.reject(error));
        return;
      }
      await recordDroplets(ctx, created, batch);
      for (const droplet of created) {
        ctx.emit({ type: 'step-progress', stepId: batch.find((s) => s.name === droplet.name)?.id ?? first.id, message: `created (id ${droplet.id}), booting` });
      }
    }),
  );
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const ready = (d: DropletRecord) => d.status === 'active' && Boolean(d.publicIpv4) && Boolean(d.privateIpv4);

/**
 * Waits until every recorded droplet is active with its addresses, with ONE list call (by the
 * project tag) per interval however many droplets there are. Records status and IPs as they come.
 */
export async function waitForDroplets(ctx: RunContext, names: ReadonlySet<string>, stepIdOf: (name: string) => string): Promise<void> {
  const pending = () => ctx.store.state.cloud.droplets.filter((d) => names.has(d.name) && !ready(d));
  if (pending().length === 0) return;
  const started = Date.now();
  const announced = new Set<string>();
  for (;;) {
    const waiting = pending();
    if (waiting.length === 0) return;
    for (const d of waiting) {
      if (!announced.has(d.name)) ctx.emit({ type: 'step-started', stepId: stepIdOf(d.name), at: Date.now() });
      announced.add(d.name);
    }
    ctx.emit({ type: 'waiting', stepIds: waiting.map((d) => stepIdOf(d.name)), message: `waiting for ${waiting.length} droplet${waiting.length === 1 ? '' : 's'} to boot` });
    if (Date.now() - started > ctx.timing.dropletTimeoutMs) {
      const names = waiting.map((d) => d.name).join(', ');
      const reason = {
        message: `${names} did not become active within ${seconds(ctx.timing.dropletTimeoutMs)} s`,
        hint: 'Look at the droplets in the DigitalOcean console (a region short of capacity?); run apply again to keep waiting, or destroy.',
      };
      throw failSteps(ctx.emit, waiting.map((d) => stepIdOf(d.name)), reason);
    }
    await pause(ctx, ctx.timing.pollIntervalMs);
    let listed: Droplet[];
    try {
      listed = await ctx.cloud.listDropletsByTag(projectTag(ctx.config.project));
    } catch (error) {
      await runStep(ctx, stepIdOf(waiting[0]!.name), 'listing the droplets', () => Promise.reject(error));
      return;
    }
    const recorded = new Map(ctx.store.state.cloud.droplets.map((d) => [d.id, d]));
    const changed = listed.filter((d) => {
      const have = recorded.get(d.id);
      return have && (have.status !== d.status || have.publicIpv4 !== d.publicIpv4 || have.privateIpv4 !== d.privateIpv4);
    });
    if (changed.length > 0) {
      await ctx.store.update((s) => {
        for (const droplet of changed) {
          const at = s.cloud.droplets.findIndex((d) => d.id === droplet.id);
          s.cloud.droplets[at] = dropletRecord(droplet, s.cloud.droplets[at]!.role);
        }
      });
    }
    for (const d of ctx.store.state.cloud.droplets) {
      if (announced.has(d.name) && ready(d)) {
        announced.delete(d.name);
        ctx.emit({ type: 'step-done', stepId: stepIdOf(d.name), message: `active, ${d.publicIpv4} (private ${d.privateIpv4})`, at: Date.now() });
      }
    }
  }
}
