import type { CloudPhaseName, DnsRecordStep, DropletStep, FirewallStep, LoadBalancerStep, PlanStep, SshKeyStep, TagStep, VpcStep } from '../plan/index.js';
import { allSettled, throwIfAborted, type RunContext } from './context.js';
import { createSshKey, createTags, createVpc } from './create-basics.js';
import { deleteResource } from './deletes.js';
import { applyDnsRecords } from './dns.js';
import { createDroplets, waitForDroplets } from './droplets.js';
import type { BatchHandler, CloudHandlerMap } from './engine.js';
import { applyFirewalls } from './firewalls.js';
import { applyLoadBalancer, waitForLoadBalancer } from './load-balancer.js';
import { retagDroplets } from './retag.js';

/** Removals run one step per phase, in the plan's order (nothing points at a droplet when it goes). */
async function deleteEach(ctx: RunContext, steps: PlanStep[]): Promise<void> {
  for (const step of steps) {
    await deleteResource(ctx, step);
    throwIfAborted(ctx);
  }
}

/** A kind that only ever changes in one phase (or is removed): `work` there, deletes in `delete`. */
const onlyIn =
  <S extends PlanStep>(phase: CloudPhaseName, work: (ctx: RunContext, steps: S[]) => Promise<void>): BatchHandler<RunContext, S> =>
  async (ctx, steps, current) => {
    if (current === 'delete') return deleteEach(ctx, steps);
    if (current === phase) return work(ctx, steps);
  };

const droplets: BatchHandler<RunContext, DropletStep> = async (ctx, steps, phase) => {
  const creates = steps.filter((step) => step.op === 'create');
  const retagged = steps.filter((step) => step.op === 'update');
  switch (phase) {
    case 'create':
      // Tags a droplet gains go on before DNS moves to it.
      return allSettled([createDroplets(ctx, creates), retagDroplets(ctx, retagged, 'add')]);
    case 'settle':
      return waitForDroplets(ctx, new Set(steps.map((step) => step.name)), (name) => steps.find((step) => step.name === name)?.id ?? `droplet:${name}`);
    case 'retag':
      // …and the ones it loses come off once DNS has moved away.
      return retagDroplets(ctx, retagged, 'remove');
    case 'delete':
      return deleteEach(ctx, steps);
    case 'basics':
    case 'dns':
      return;
  }
};

const loadBalancer: BatchHandler<RunContext, LoadBalancerStep> = async (ctx, steps, phase) => {
  if (phase === 'create') await allSettled(steps.map((step) => applyLoadBalancer(ctx, step)));
  else if (phase === 'settle') await allSettled(steps.map((step) => waitForLoadBalancer(ctx, step.id)));
  else if (phase === 'delete') await deleteEach(ctx, steps);
};

/** What runs each kind of cloud step, per phase. */
export const CLOUD_HANDLERS: CloudHandlerMap<RunContext> = {
  tag: onlyIn<TagStep>('basics', createTags),
  'ssh-key': onlyIn<SshKeyStep>('basics', (ctx, steps) => allSettled(steps.map((step) => createSshKey(ctx, step)))),
  vpc: onlyIn<VpcStep>('basics', (ctx, steps) => allSettled(steps.map((step) => createVpc(ctx, step)))),
  droplet: droplets,
  'load-balancer': loadBalancer,
  firewall: onlyIn<FirewallStep>('settle', applyFirewalls),
  'dns-record': onlyIn<DnsRecordStep>('dns', applyDnsRecords),
  // Done by hand: listed for the user once the IPs are known; a removal says which record to delete.
  'manual-dns': onlyIn('dns', async () => undefined),
};
