import type {
  Domain_record as DotsDomainRecord,
  Droplet as DotsDroplet,
  Firewall as DotsFirewall,
  Firewall_rule_target as DotsFirewallTarget,
  Load_balancer as DotsLoadBalancer,
  Size as DotsSize,
  SshKeys as DotsSshKey,
  Vpc as DotsVpc,
} from '@digitalocean/dots/src/dots/models/index.js';
import type { DomainRecord, Droplet, DropletSize, DropletStatus, Firewall, FirewallRule, LoadBalancer, SshKey, Vpc } from './cloud-api.js';

/** Maps dots' generated models (every field optional and nullable) onto swarm-wiz's CloudApi types. */

export function toDroplet(droplet: DotsDroplet): Droplet {
  const v4 = droplet.networks?.v4 ?? [];
  const publicIpv4 = v4.find((network) => network.type === 'public')?.ipAddress ?? undefined;
  const privateIpv4 = v4.find((network) => network.type === 'private')?.ipAddress ?? undefined;
  return {
    id: droplet.id ?? 0,
    name: droplet.name ?? '',
    status: (droplet.status ?? 'new') as DropletStatus,
    tags: droplet.tags ?? [],
    region: droplet.region?.slug ?? '',
    size: droplet.sizeSlug ?? '',
    ...(droplet.vpcUuid ? { vpcUuid: droplet.vpcUuid } : {}),
    ...(publicIpv4 ? { publicIpv4 } : {}),
    ...(privateIpv4 ? { privateIpv4 } : {}),
  };
}

/** A size without a price (the spec requires one) gets NaN, which the cost treats as unknown. */
export function toSize(size: DotsSize): DropletSize {
  return { slug: size.slug ?? '', priceMonthly: size.priceMonthly ?? Number.NaN, available: size.available ?? true, regions: size.regions ?? [] };
}

export function toSshKey(key: DotsSshKey): SshKey {
  return { id: key.id ?? 0, name: key.name ?? '', fingerprint: key.fingerprint ?? '', publicKey: key.publicKey ?? '' };
}

export function toVpc(vpc: DotsVpc): Vpc {
  return { id: vpc.id ?? '', name: vpc.name ?? '', region: vpc.region ?? '', ipRange: vpc.ipRange ?? '' };
}

function toRule(rule: { protocol?: string | null; ports?: string | null }, target: DotsFirewallTarget | null | undefined): FirewallRule {
  return {
    protocol: (rule.protocol ?? 'tcp') as FirewallRule['protocol'],
    ports: rule.ports ?? '',
    ...(target?.addresses?.length ? { addresses: target.addresses } : {}),
    ...(target?.tags?.length ? { tags: target.tags } : {}),
    ...(target?.loadBalancerUids?.length ? { loadBalancerUids: target.loadBalancerUids } : {}),
  };
}

export function toFirewall(firewall: DotsFirewall): Firewall {
  return {
    id: firewall.id ?? '',
    name: firewall.name ?? '',
    tags: firewall.tags ?? [],
    inbound: (firewall.inboundRules ?? []).map((rule) => toRule(rule, rule.sources)),
    outbound: (firewall.outboundRules ?? []).map((rule) => toRule(rule, rule.destinations)),
  };
}

export function toLoadBalancer(loadBalancer: DotsLoadBalancer): LoadBalancer {
  const health = loadBalancer.healthCheck;
  return {
    id: loadBalancer.id ?? '',
    name: loadBalancer.name ?? '',
    region: loadBalancer.region?.slug ?? '',
    ...(loadBalancer.vpcUuid ? { vpcUuid: loadBalancer.vpcUuid } : {}),
    tag: loadBalancer.tag ?? '',
    forwarding: (loadBalancer.forwardingRules ?? []).map((rule) => ({
      entryProtocol: rule.entryProtocol as LoadBalancer['forwarding'][number]['entryProtocol'],
      entryPort: rule.entryPort ?? 0,
      targetProtocol: rule.targetProtocol as LoadBalancer['forwarding'][number]['targetProtocol'],
      targetPort: rule.targetPort ?? 0,
      ...(rule.tlsPassthrough ? { tlsPassthrough: true } : {}),
    })),
    healthCheck: {
      protocol: (health?.protocol === 'tcp' ? 'tcp' : 'http') as 'tcp' | 'http',
      port: health?.port ?? 80,
      ...(health?.protocol !== 'tcp' && health?.path ? { path: health.path } : {}),
    },
    ...(loadBalancer.ip ? { ip: loadBalancer.ip } : {}),
    status: (loadBalancer.status ?? 'new') as LoadBalancer['status'],
  };
}

export function toDomainRecord(record: DotsDomainRecord): DomainRecord {
  return {
    id: record.id ?? 0,
    type: (record.type ?? 'A') as DomainRecord['type'],
    name: record.name ?? '',
    data: record.data ?? '',
    ...(record.ttl ? { ttl: record.ttl } : {}),
  };
}
