import type { DropletRole } from '../state/index.js';

export type StepOp = 'create' | 'update' | 'delete' | 'same';
export type StepKind = 'tag' | 'ssh-key' | 'vpc' | 'droplet' | 'load-balancer' | 'firewall' | 'dns-record' | 'manual-dns';

/** Where an A record points: a droplet's public IPv4 or the load balancer's IP, known once they exist. */
export type IpTarget = { droplet: string } | { loadBalancer: string };

/** A firewall rule as planned: sources may name the project's load balancer, resolved to its id when applied. */
export interface PlannedFirewallRule {
  protocol: 'tcp' | 'udp' | 'icmp';
  ports: string;
  addresses?: string[];
  tags?: string[];
  loadBalancers?: string[];
}

export interface PlannedFirewall {
  name: string;
  tags: string[];
  inbound: PlannedFirewallRule[];
  outbound: PlannedFirewallRule[];
}

export interface PlannedLoadBalancer {
  name: string;
  region: string;
  /** The project's VPC, by name; resolved to its id when applied. */
  vpc: string;
  tag: string;
  forwarding: { entryProtocol: 'tcp'; entryPort: number; targetProtocol: 'tcp'; targetPort: number }[];
  healthCheck: { protocol: 'tcp' | 'http'; port: number; path?: string };
}

interface StepBase {
  op: StepOp;
  /** Stable across runs: `kind:name`. Progress events and screens key rows by it. */
  id: string;
  name: string;
  /** One line for people: what the step creates, changes or removes, and why. */
  description: string;
  /** What differs from the config but apply will not change (a resize, a region move); shown even for `same`. */
  warning?: string;
}

export interface TagStep extends StepBase {
  kind: 'tag';
}

export interface SshKeyStep extends StepBase {
  kind: 'ssh-key';
  recordedId?: number;
}

export interface VpcStep extends StepBase {
  kind: 'vpc';
  region: string;
  recordedId?: string;
}

export interface DropletStep extends StepBase {
  kind: 'droplet';
  role: DropletRole;
  region: string;
  size: string;
  image: string;
  tags: string[];
  recordedId?: number;
  /** On an update: tags the droplet gains and loses (the topology moved the entrypoint). */
  addTags?: string[];
  removeTags?: string[];
}

export interface LoadBalancerStep extends StepBase {
  kind: 'load-balancer';
  spec: PlannedLoadBalancer;
  recordedId?: string;
}

export interface FirewallStep extends StepBase {
  kind: 'firewall';
  spec: PlannedFirewall;
  recordedId?: string;
}

export interface DnsRecordStep extends StepBase {
  kind: 'dns-record';
  /** The DigitalOcean DNS zone (a domain of the account) holding the record. */
  zone: string;
  /** The full host name, like www.a.com. */
  host: string;
  /** Relative to the zone: `@` for the apex. */
  recordName: string;
  /** Absent on a delete: the record goes, whatever it pointed to. */
  target?: IpTarget;
  recordedId?: number;
}

/** A record to create at the user's own DNS provider: swarm-wiz cannot, so it says exactly what. */
export interface ManualDnsStep extends StepBase {
  kind: 'manual-dns';
  host: string;
  target: IpTarget;
}

export type PlanStep = TagStep | SshKeyStep | VpcStep | DropletStep | LoadBalancerStep | FirewallStep | DnsRecordStep | ManualDnsStep;

/** What only the executor can look up; the plan takes them as plain data. */
export interface PlanFacts {
  /** Domains of the account in DigitalOcean DNS; undefined when not looked up (no token). */
  dnsZones?: readonly string[];
  /** The operator's public address, allowed to reach SSH (SWARM_WIZ_OPERATOR_IP or --operator-ip). */
  operatorIp?: string;
}

/**
 * A plan is phases: the engine runs them in order, the steps of one phase together. Every plan names
 * its phases from a closed union (DeployPhaseName, CloudPhaseName): a misspelt phase does not compile.
 */
export interface Phase<Name extends string, Step> {
  name: Name;
  steps: Step[];
}
