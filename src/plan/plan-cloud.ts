import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';
import { planDns } from './dns.js';
import { planDroplets } from './droplets.js';
import { planFirewalls } from './firewall.js';
import { planLoadBalancer } from './load-balancer.js';
import { planSshKey } from './ssh-key.js';
import { planTags } from './tags.js';
import type { PlanFacts, PlanStep } from './types.js';
import { planVpc } from './vpc.js';

/**
 * Desired config + recorded state (+ facts the executor looked up) → every cloud resource with what
 * to do about it, in dependency order: tags, SSH key, VPC, droplets, load balancer, firewalls
 * (they may name the load balancer), DNS (needs the IPs). Deletes come last, from the outside in. Pure.
 */
export function planCloud(config: Config, state: State, facts: PlanFacts = {}): PlanStep[] {
  const dns = planDns(config, state, facts);
  const droplets = planDroplets(config, state);
  const firewalls = planFirewalls(config, state, facts);
  const loadBalancer = planLoadBalancer(config, state);
  const vpc = planVpc(config, state);
  const isDelete = (step: PlanStep) => step.op === 'delete';
  const keep = (steps: PlanStep[]) => steps.filter((s) => !isDelete(s));
  const removals = (steps: PlanStep[]) => steps.filter(isDelete);
  return [
    ...planTags(config, state),
    ...planSshKey(config, state),
    ...vpc,
    ...keep(droplets),
    ...keep(loadBalancer),
    ...keep(firewalls),
    ...keep(dns),
    // Removals last, from the outside in: nothing points at a droplet when it goes.
    ...removals(dns),
    ...removals(firewalls),
    ...removals(loadBalancer),
    ...removals(droplets),
  ];
}

/** Counts per op, for the summary line. Steps done by hand are counted apart. */
export function summarise(steps: readonly PlanStep[]): { create: number; update: number; delete: number; same: number; manual: number } {
  const counts = { create: 0, update: 0, delete: 0, same: 0, manual: 0 };
  for (const step of steps) {
    if (step.kind === 'manual-dns') counts.manual += 1;
    else counts[step.op] += 1;
  }
  return counts;
}

/** True when applying would make no write call. */
export function hasChanges(steps: readonly PlanStep[]): boolean {
  return steps.some((step) => step.kind !== 'manual-dns' && step.op !== 'same');
}
