import type { Config } from '../config/index.js';
import { hostOf, relativeName, zoneOf } from '../config/domain-name.js';
import type { State } from '../state/index.js';
import { entrypoints, stepId } from './names.js';
import type { DnsRecordStep, IpTarget, ManualDnsStep, PlanFacts } from './types.js';

/** The target's IP as the state knows it now; undefined when it does not exist yet. */
export function recordedIp(target: IpTarget, state: State): string | undefined {
  if ('droplet' in target) return state.cloud.droplets.find((d) => d.name === target.droplet)?.publicIpv4;
  const lb = state.cloud.loadBalancer;
  return lb?.name === target.loadBalancer ? lb.ip : undefined;
}

export function describeTarget(target: IpTarget): string {
  return 'droplet' in target ? `the public IP of ${target.droplet}` : `the IP of load balancer ${target.loadBalancer}`;
}

/**
 * An A record per domain and alias. In a DigitalOcean DNS zone swarm-wiz creates it; elsewhere the
 * step tells the user what to create. A record is matched by host and target: a new target (the
 * topology changed) means delete the old record and create one.
 */
export function planDns(config: Config, state: State, facts: PlanFacts): (DnsRecordStep | ManualDnsStep)[] {
  const steps: (DnsRecordStep | ManualDnsStep)[] = [];
  const keep = new Set<number>();
  for (const { host, target } of entrypoints(config)) {
    const zone = facts.dnsZones ? zoneOf(host, facts.dnsZones) : undefined;
    if (!zone) {
      const why = facts.dnsZones ? `${host} is not in this account's DigitalOcean DNS` : 'DigitalOcean DNS not checked (no token)';
      steps.push({ kind: 'manual-dns', op: 'create', id: stepId('manual-dns', host), name: host, host, target, description: `by hand at your DNS provider: A ${host} → ${describeTarget(target)} (${why})` });
      continue;
    }
    const recordName = relativeName(host, zone);
    const have = state.cloud.dnsRecords.find((r) => r.zone === zone && r.name === recordName);
    const base = { kind: 'dns-record' as const, id: stepId('dns-record', host), name: host, host, zone, recordName, target };
    const what = `A ${host} → ${describeTarget(target)} in DigitalOcean DNS zone ${zone}`;
    if (!have) {
      steps.push({ ...base, op: 'create', description: what });
      continue;
    }
    keep.add(have.id);
    const ip = recordedIp(target, state);
    if (ip === have.data) {
      steps.push({ ...base, op: 'same', recordedId: have.id, description: `A ${host} → ${have.data} (id ${have.id})` });
    } else {
      steps.push({ ...base, op: 'update', recordedId: have.id, description: `A ${host}: ${have.data} → ${ip ?? describeTarget(target)} in DigitalOcean DNS zone ${zone}` });
    }
  }
  for (const have of state.cloud.dnsRecords) {
    if (keep.has(have.id)) continue;
    const host = hostOf(have.name, have.zone);
    steps.push({
      kind: 'dns-record',
      op: 'delete',
      id: stepId('dns-record-old', `${host}#${have.id}`),
      name: host,
      host,
      zone: have.zone,
      recordName: have.name,
      recordedId: have.id,
      description: `A ${host} → ${have.data} (id ${have.id}) is no longer needed`,
    });
  }
  return steps;
}
