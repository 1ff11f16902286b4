import type { DomainRecord } from '../adapters/digitalocean/cloud-api.js';
import { recordedIp, type DnsRecordStep, type IpTarget, type ManualDnsStep } from '../plan/index.js';
import { allSettled, runStep, throwIfAborted, type RunContext, type StepContext } from './context.js';
import { undefinedIfGone } from './failure.js';

function ipOf(ctx: RunContext, target: IpTarget): string {
  const ip = recordedIp(target, ctx.store.state);
  if (!ip) throw new Error(`${'droplet' in target ? target.droplet : target.loadBalancer} has no public IP recorded`);
  return ip;
}

/**
 * Creates each A record (after deleting the one it replaces), adopting a record that already says
 * the right thing (a crash after the create call). One listing per zone.
 */
export async function applyDnsRecords(ctx: RunContext, steps: DnsRecordStep[]): Promise<void> {
  const listings = new Map<string, Promise<DomainRecord[]>>();
  const recordsOf = (zone: string) => {
    let listing = listings.get(zone);
    if (!listing) listings.set(zone, (listing = ctx.cloud.listDomainRecords(zone)));
    return listing;
  };
  await allSettled(
    steps.map((step) =>
      runStep(ctx, step.id, `creating A record ${step.host}`, async () => {
        const ip = ipOf(ctx, step.target!);
        if (step.op === 'update' && step.recordedId) {
          await deleteRecord(ctx, step.zone, step.recordedId);
        }
        const records = await recordsOf(step.zone);
        throwIfAborted(ctx);
        const same = records.find((r) => r.type === 'A' && r.name === step.recordName && r.data === ip && r.id !== step.recordedId);
        const others = records.filter((r) => r.type === 'A' && r.name === step.recordName && r.data !== ip && r.id !== step.recordedId);
        for (const other of others) {
          ctx.emit({ type: 'step-progress', stepId: step.id, message: `note: ${step.host} also has A ${other.data} (not created by swarm-wiz); remove it or clients will also go there` });
        }
        const record = same ?? (await ctx.cloud.createDomainRecord(step.zone, { type: 'A', name: step.recordName, data: ip, ttl: 300 }));
        await ctx.store.update((s) => {
          s.cloud.dnsRecords = [...s.cloud.dnsRecords.filter((r) => !(r.zone === step.zone && r.name === step.recordName)), { zone: step.zone, id: record.id, type: 'A', name: step.recordName, data: ip }];
        });
        return `${same ? 'found' : step.op === 'update' ? 'moved to' : 'created'} A ${step.host} → ${ip}`;
      }),
    ),
  );
}

/** Deletes a record swarm-wiz created and forgets it; one already gone counts as deleted. */
export async function deleteRecord(ctx: StepContext, zone: string, id: number): Promise<void> {
  await ctx.cloud.deleteDomainRecord(zone, id).catch(undefinedIfGone);
  await ctx.store.update((s) => {
    s.cloud.dnsRecords = s.cloud.dnsRecords.filter((r) => !(r.zone === zone && r.id === id));
  });
}

/** What the user must create at their own DNS provider, now with the real IPs. */
export function manualDnsLines(ctx: RunContext, steps: ManualDnsStep[]): string[] {
  return steps.map((step) => {
    const ip = recordedIp(step.target, ctx.store.state);
    const line = `A ${step.host} → ${ip ?? '(not known yet)'}`;
    ctx.emit({ type: 'step-done', stepId: step.id, message: `create by hand at your DNS provider: ${line}`, at: Date.now() });
    return line;
  });
}
