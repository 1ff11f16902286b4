/**
 * The small interface swarm-wiz needs from DigitalOcean, in its own terms. The implementation
 * (`dots-cloud-api.ts`) maps it onto the official @digitalocean/dots client; the executor and
 * ACME dns-01 only ever see this. Starting point agreed between the provisioning engineers:
 * extend additively.
 */

export type DropletStatus = 'new' | 'active' | 'off' | 'archive';

export interface Droplet {
  id: number;
  name: string;
  status: DropletStatus;
  tags: string[];
  region: string;
  size: string;
  vpcUuid?: string;
  publicIpv4?: string;
  privateIpv4?: string;
}

export interface CreateDropletsRequest {
  names: string[];
  region: string;
  size: string;
  image: string;
  tags: string[];
  userData?: string;
  vpcUuid?: string;
  sshKeyIds: number[];
}

export interface SshKey {
  id: number;
  name: string;
  fingerprint: string;
  publicKey: string;
}

export interface Vpc {
  id: string;
  name: string;
  region: string;
  ipRange: string;
}

export interface FirewallRule {
  protocol: 'tcp' | 'udp' | 'icmp';
  ports: string;
  /** Addresses (CIDR) and/or droplet tags the rule applies to. */
  addresses?: string[];
  tags?: string[];
  /** Load balancer ids (`sources.load_balancer_uids`): 80/443 on the workers only from the project's LB. */
  loadBalancerUids?: string[];
}

export interface FirewallSpec {
  name: string;
  tags: string[];
  inbound: FirewallRule[];
  outbound: FirewallRule[];
}

export interface Firewall extends FirewallSpec {
  id: string;
}

export interface LoadBalancerSpec {
  name: string;
  region: string;
  vpcUuid?: string;
  /** Target droplets by tag (the seed's "worker node" label). */
  tag: string;
  forwarding: { entryProtocol: 'tcp' | 'http' | 'https'; entryPort: number; targetProtocol: 'tcp' | 'http' | 'https'; targetPort: number; tlsPassthrough?: boolean }[];
  healthCheck: { protocol: 'tcp' | 'http'; port: number; path?: string };
}

export interface LoadBalancer extends LoadBalancerSpec {
  id: string;
  ip?: string;
  status: 'new' | 'active' | 'errored';
}

export interface DomainRecord {
  id: number;
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'NS' | 'MX' | 'CAA' | 'SRV';
  name: string;
  data: string;
  ttl?: number;
}

/** A droplet size as GET /v2/sizes lists it: what it costs, and where it can be created. */
export interface DropletSize {
  slug: string;
  /** `price_monthly`, in US dollars. */
  priceMonthly: number;
  /** Whether new droplets can be created with it. */
  available: boolean;
  regions: string[];
}

export interface CloudApi {
  /** GET /v2/account: the first call of any apply; a bad token stops everything here. */
  verifyToken(): Promise<{ email: string; dropletLimit: number }>;
  listSshKeys(): Promise<SshKey[]>;
  createSshKey(name: string, publicKey: string): Promise<SshKey>;
  /** DELETE /v2/account/keys/{id}. */
  deleteSshKey(id: number): Promise<void>;
  createTag(name: string): Promise<void>;
  /** POST /v2/tags/{tag}/resources (droplets): re-tags droplets when the topology moves the entrypoint. The tag must exist (404 otherwise). */
  tagDroplets(tag: string, dropletIds: number[]): Promise<void>;
  /** DELETE /v2/tags/{tag}/resources (droplets). */
  untagDroplets(tag: string, dropletIds: number[]): Promise<void>;
  /** One bulk request (`names`), however many droplets. */
  createDroplets(request: CreateDropletsRequest): Promise<Droplet[]>;
  /** All pages. */
  listDropletsByTag(tag: string): Promise<Droplet[]>;
  deleteDroplet(id: number): Promise<void>;
  listVpcs(): Promise<Vpc[]>;
  createVpc(spec: { name: string; region: string; ipRange?: string }): Promise<Vpc>;
  deleteVpc(id: string): Promise<void>;
  listFirewalls(): Promise<Firewall[]>;
  createFirewall(spec: FirewallSpec): Promise<Firewall>;
  updateFirewall(id: string, spec: FirewallSpec): Promise<Firewall>;
  deleteFirewall(id: string): Promise<void>;
  listLoadBalancers(): Promise<LoadBalancer[]>;
  createLoadBalancer(spec: LoadBalancerSpec): Promise<LoadBalancer>;
  updateLoadBalancer(id: string, spec: LoadBalancerSpec): Promise<LoadBalancer>;
  deleteLoadBalancer(id: string): Promise<void>;
  /** GET /v2/sizes, all pages: every droplet size with its monthly price. */
  listSizes(): Promise<DropletSize[]>;
  /** Names of the domains this account serves in DigitalOcean DNS. */
  listDomains(): Promise<string[]>;
  listDomainRecords(domain: string): Promise<DomainRecord[]>;
  createDomainRecord(domain: string, record: Omit<DomainRecord, 'id'>): Promise<DomainRecord>;
  deleteDomainRecord(domain: string, id: number): Promise<void>;
}
