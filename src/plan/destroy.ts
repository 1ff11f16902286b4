import type { State } from '../state/index.js';
import { hostOf } from '../config/domain-name.js';
import { stepId } from './names.js';
import type { PlanStep } from './types.js';

/**
 * Every resource the state lists, as delete steps, from the outside in: DNS records, firewalls,
 * the load balancer, droplets, then the VPC (empty only once its droplets are gone) and the SSH
 * key. Nothing the state does not list. Tags are not deleted (DigitalOcean keeps no cost or
 * resource behind an unused tag); the executor forgets them at the end. Pure.
 */
export function planDestroy(state: State): PlanStep[] {
  const { cloud } = state;
  const steps: PlanStep[] = [];
  for (const r of cloud.dnsRecords) {
    const host = hostOf(r.name, r.zone);
    steps.push({ kind: 'dns-record', op: 'delete', id: stepId('dns-record', host), name: host, host, zone: r.zone, recordName: r.name, recordedId: r.id, description: `A → ${r.data} in zone ${r.zone} (id ${r.id})` });
  }
  for (const f of cloud.firewalls) {
    steps.push({ kind: 'firewall', op: 'delete', id: stepId('firewall', f.name), name: f.name, spec: f.spec as never, recordedId: f.id, description: `id ${f.id}` });
  }
  if (cloud.loadBalancer) {
    const lb = cloud.loadBalancer;
    steps.push({ kind: 'load-balancer', op: 'delete', id: stepId('load-balancer', lb.name), name: lb.name, spec: lb.spec as never, recordedId: lb.id, description: `id ${lb.id}${lb.ip ? `, ${lb.ip}` : ''}` });
  }
  for (const d of cloud.droplets) {
    steps.push({ kind: 'droplet', op: 'delete', id: stepId('droplet', d.name), name: d.name, role: d.role, region: d.region, size: d.size, image: '', tags: d.tags, recordedId: d.id, description: `${d.role}, id ${d.id}${d.publicIpv4 ? `, ${d.publicIpv4}` : ''}` });
  }
  if (cloud.vpc) {
    steps.push({ kind: 'vpc', op: 'delete', id: stepId('vpc', cloud.vpc.name), name: cloud.vpc.name, region: cloud.vpc.region, recordedId: cloud.vpc.id, description: `id ${cloud.vpc.id}` });
  }
  if (cloud.sshKey) {
    steps.push({ kind: 'ssh-key', op: 'delete', id: stepId('ssh-key', cloud.sshKey.name), name: cloud.sshKey.name, recordedId: cloud.sshKey.id, description: `id ${cloud.sshKey.id}` });
  }
  return steps;
}
