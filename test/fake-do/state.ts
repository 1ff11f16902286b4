import { defaultSizePrices } from './routes/sizes.js';

/**
 * What the fake DigitalOcean account holds, as the API's own JSON objects (snake_case), so a test
 * can assert on exactly what the API would report ("these droplets, no orphans").
 */

export interface ApiNetworkV4 {
  ip_address: string;
  netmask: string;
  gateway: string;
  type: 'public' | 'private';
}

export interface ApiDroplet {
  id: number;
  name: string;
  memory: number;
  vcpus: number;
  disk: number;
  locked: boolean;
  status: 'new' | 'active' | 'off' | 'archive';
  created_at: string;
  features: string[];
  backup_ids: number[];
  next_backup_window: null;
  snapshot_ids: number[];
  image: Record<string, unknown>;
  volume_ids: string[];
  size: Record<string, unknown>;
  size_slug: string;
  networks: { v4: ApiNetworkV4[]; v6: unknown[] };
  region: { name: string; slug: string; features: string[]; available: boolean; sizes: string[] };
  tags: string[];
  vpc_uuid?: string;
  /** Not an API field in responses: kept for tests that check what cloud-init the droplet got. */
  user_data?: string;
  ssh_key_ids: (number | string)[];
}

export interface ApiSshKey {
  id: number;
  fingerprint: string;
  public_key: string;
  name: string;
}

export interface ApiVpc {
  id: string;
  urn: string;
  name: string;
  description: string;
  region: string;
  ip_range: string;
  default: boolean;
  created_at: string;
}

export interface ApiFirewallRule {
  protocol: 'tcp' | 'udp' | 'icmp';
  ports: string;
  sources?: ApiFirewallTargets;
  destinations?: ApiFirewallTargets;
}

export interface ApiFirewallTargets {
  addresses?: string[];
  droplet_ids?: number[];
  load_balancer_uids?: string[];
  kubernetes_ids?: string[];
  tags?: string[];
}

export interface ApiFirewall {
  id: string;
  status: 'waiting' | 'succeeded' | 'failed';
  created_at: string;
  pending_changes: unknown[];
  name: string;
  droplet_ids: number[];
  tags: string[];
  inbound_rules: ApiFirewallRule[];
  outbound_rules: ApiFirewallRule[];
}

export interface ApiLoadBalancer {
  id: string;
  name: string;
  ip: string;
  status: 'new' | 'active' | 'errored';
  created_at: string;
  forwarding_rules: Record<string, unknown>[];
  health_check: Record<string, unknown>;
  sticky_sessions: { type: 'none' };
  region: string;
  tag: string;
  droplet_ids: number[];
  vpc_uuid?: string;
  size_unit: number;
}

export interface ApiDomain {
  name: string;
  ttl: number;
  zone_file: string;
}

export interface ApiDomainRecord {
  id: number;
  type: string;
  name: string;
  data: string;
  priority: number | null;
  port: number | null;
  ttl: number;
  weight: number | null;
  flags: number | null;
  tag: string | null;
}

/**
 * Machines that run the droplets (the sandbox: one network namespace with sshd and dockerd each).
 * Without them the fake makes addresses up and nothing answers there.
 */
export interface FakeMachines {
  /**
   * A droplet is due to become active: bind it to a free machine, authorise `authorizedKeys` for root
   * there and run its user-data. Resolves with the machine's addresses; the droplet is active from then.
   */
  boot(droplet: ApiDroplet, authorizedKeys: string[]): Promise<{ publicIp: string; privateIp: string }>;
  /** The droplet is gone: its machine is wiped and free again. */
  release(droplet: ApiDroplet): void;
  /** The address a new load balancer answers on. */
  loadBalancerIp(): string;
}

export interface FakeAccount {
  email: string;
  uuid: string;
  droplet_limit: number;
}

export interface FakeState {
  account: FakeAccount;
  droplets: ApiDroplet[];
  sshKeys: ApiSshKey[];
  tags: string[];
  vpcs: ApiVpc[];
  firewalls: ApiFirewall[];
  loadBalancers: ApiLoadBalancer[];
  domains: ApiDomain[];
  /** Records per domain name. */
  domainRecords: Map<string, ApiDomainRecord[]>;
  /** Droplet size slug → price_monthly (USD) that GET /v2/sizes answers with; a test may change it. */
  sizePrices: Record<string, number>;
  nextId: () => number;
}

export function createFakeState(): FakeState {
  let lastId = 100_000;
  return {
    account: { email: 'owner@example.com', uuid: 'b6fr89dbf6d9156cace5f3c78dc9851d957381ef', droplet_limit: 25 },
    droplets: [],
    sshKeys: [],
    tags: [],
    vpcs: [],
    firewalls: [],
    loadBalancers: [],
    domains: [],
    domainRecords: new Map(),
    sizePrices: defaultSizePrices(),
    nextId: () => (lastId += 1),
  };
}
