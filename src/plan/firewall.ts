import { isIP } from 'node:net';
import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';
import { edgeFirewallName, edgeTag, internalFirewallName, loadBalancerName, projectTag, stepId } from './names.js';
import { sameSpec } from './same-spec.js';
import type { FirewallStep, PlanFacts, PlannedFirewall, PlannedFirewallRule } from './types.js';

const WORLD = ['0.0.0.0/0', '::/0'];
/** DigitalOcean's way to say "every port" in a firewall rule. */
const ALL_PORTS = '0';

/** `203.0.113.7` → `203.0.113.7/32`; an address that already has a prefix is kept. */
export function hostCidr(ip: string): string {
  if (ip.includes('/')) return ip;
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

/**
 * On every droplet of the project: swarm control (2377/tcp), gossip (7946/tcp+udp), overlay VXLAN
 * (4789/udp), SSH, the support server's port 80 and the proxies' 443 — only from the project's own droplets, plus
 * SSH from the operator's address.
 */
export function desiredInternalFirewall(config: Config, facts: PlanFacts): PlannedFirewall {
  const own = [projectTag(config.project)];
  const ssh: PlannedFirewallRule = { protocol: 'tcp', ports: '22', tags: own, ...(facts.operatorIp ? { addresses: [hostCidr(facts.operatorIp)] } : {}) };
  return {
    name: internalFirewallName(config.project),
    tags: own,
    inbound: [
      ssh,
      { protocol: 'tcp', ports: '80', tags: own },
      // The support server checks over the VPC that each proxy node serves the certificates it renewed.
      { protocol: 'tcp', ports: '443', tags: own },
      { protocol: 'tcp', ports: '2377', tags: own },
      { protocol: 'tcp', ports: '7946', tags: own },
      { protocol: 'udp', ports: '7946', tags: own },
      { protocol: 'udp', ports: '4789', tags: own },
      { protocol: 'icmp', ports: ALL_PORTS, tags: own },
    ],
    outbound: [
      { protocol: 'tcp', ports: ALL_PORTS, addresses: WORLD },
      { protocol: 'udp', ports: ALL_PORTS, addresses: WORLD },
      { protocol: 'icmp', ports: ALL_PORTS, addresses: WORLD },
    ],
  };
}

/**
 * 80/443 on the entrypoint droplets only: from the world, or in global-lb from the load balancer — and
 * from the operator's address, because apply checks on each proxy node that it serves the new certificates.
 */
export function desiredEdgeFirewall(config: Config, facts: Pick<PlanFacts, 'operatorIp'> = {}): PlannedFirewall {
  const from: Pick<PlannedFirewallRule, 'addresses' | 'loadBalancers'> =
    config.topology === 'global-lb'
      ? { loadBalancers: [loadBalancerName(config.project)], ...(facts.operatorIp ? { addresses: [hostCidr(facts.operatorIp)] } : {}) }
      : { addresses: WORLD };
  return {
    name: edgeFirewallName(config.project),
    tags: [edgeTag(config.project)],
    inbound: [
      { protocol: 'tcp', ports: '80', ...from },
      { protocol: 'tcp', ports: '443', ...from },
    ],
    outbound: [],
  };
}

function describe(spec: PlannedFirewall, config: Config, facts: PlanFacts): string {
  if (spec.name === internalFirewallName(config.project)) {
    const ssh = facts.operatorIp ? `SSH from the project and ${hostCidr(facts.operatorIp)}` : 'SSH from the project only (set SWARM_WIZ_OPERATOR_IP to reach the droplets from here)';
    return `firewall ${spec.name} on ${spec.tags.join(', ')}: swarm 2377/7946/4789 and ${ssh}`;
  }
  const from = config.topology === 'global-lb' ? `the load balancer ${loadBalancerName(config.project)}${facts.operatorIp ? ` and ${hostCidr(facts.operatorIp)}` : ''}` : 'anywhere';
  return `firewall ${spec.name} on ${spec.tags.join(', ')}: 80/443 from ${from}`;
}

/** An IPv4/IPv6 address or CIDR block, as SWARM_WIZ_OPERATOR_IP may give it. */
export function isOperatorAddress(value: string): boolean {
  const [ip, prefix, ...rest] = value.split('/');
  if (rest.length > 0 || !ip) return false;
  const family = isIP(ip);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/** The operator's address: given now, else the one recorded by an earlier apply. */
export function operatorIpOf(state: State, facts: PlanFacts): string | undefined {
  return facts.operatorIp ?? state.cloud.operatorIp;
}

export function planFirewalls(config: Config, state: State, givenFacts: PlanFacts): FirewallStep[] {
  const operatorIp = operatorIpOf(state, givenFacts);
  const facts: PlanFacts = { ...givenFacts, ...(operatorIp ? { operatorIp } : {}) };
  const recorded = new Map(state.cloud.firewalls.map((f) => [f.name, f]));
  const steps: FirewallStep[] = [desiredInternalFirewall(config, facts), desiredEdgeFirewall(config, facts)].map((spec) => {
    const have = recorded.get(spec.name);
    const base = { kind: 'firewall' as const, id: stepId('firewall', spec.name), name: spec.name, spec, description: describe(spec, config, facts) };
    if (!have) return { ...base, op: 'create' };
    return { ...base, op: sameSpec(have.spec, spec) ? 'same' : 'update', recordedId: have.id };
  });
  const wanted = new Set(steps.map((s) => s.name));
  for (const have of state.cloud.firewalls) {
    if (wanted.has(have.name)) continue;
    steps.push({ kind: 'firewall', op: 'delete', id: stepId('firewall', have.name), name: have.name, spec: have.spec as PlannedFirewall, recordedId: have.id, description: `firewall ${have.name} (id ${have.id}) is no longer needed` });
  }
  return steps;
}
