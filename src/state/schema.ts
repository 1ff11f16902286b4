import { z } from 'zod';
import { showValue } from '../config/show-value.js';

/** The state file's schema version. Bump it with a migration when the shape changes. */
export const STATE_VERSION = 1;

export const DROPLET_ROLES = ['manager', 'worker', 'support'] as const;
export type DropletRole = (typeof DROPLET_ROLES)[number];

const dropletRecord = z.strictObject({
  id: z.number().int().positive(),
  name: z.string().min(1),
  role: z.enum(DROPLET_ROLES),
  region: z.string(),
  size: z.string(),
  tags: z.array(z.string()),
  status: z.enum(['new', 'active', 'off', 'archive']),
  publicIpv4: z.string().optional(),
  privateIpv4: z.string().optional(),
});

const firewallRecord = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  /** The plan-level spec it was created or last updated from; a different desired spec means update. */
  spec: z.unknown(),
});

const loadBalancerRecord = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  ip: z.string().optional(),
  spec: z.unknown(),
});

const dnsRecord = z.strictObject({
  zone: z.string().min(1),
  id: z.number().int().positive(),
  type: z.literal('A'),
  /** Relative to the zone: `@` for the apex. */
  name: z.string().min(1),
  data: z.string().min(1),
});

/** What swarm-wiz created at DigitalOcean: the ids to find, compare and delete them by. */
export const cloudStateSchema = z.strictObject({
  tags: z.array(z.string()).default([]),
  sshKey: z.strictObject({ id: z.number().int().positive(), name: z.string(), fingerprint: z.string() }).optional(),
  vpc: z.strictObject({ id: z.string().min(1), name: z.string(), region: z.string() }).optional(),
  droplets: z.array(dropletRecord).default([]),
  firewalls: z.array(firewallRecord).default([]),
  loadBalancer: loadBalancerRecord.optional(),
  dnsRecords: z.array(dnsRecord).default([]),
  /** The address last allowed to reach SSH; kept so a later apply without SWARM_WIZ_OPERATOR_IP does not close SSH. */
  operatorIp: z.string().optional(),
});

/** Secrets learned while bootstrapping the swarm. This file is the only place they may live. */
const swarmStateSchema = z.strictObject({
  joinTokens: z.strictObject({ manager: z.string(), worker: z.string() }).optional(),
  managerAddress: z.string().optional(),
  /** The swarm swarm-wiz made (or, with --target local, found and used): a node in another one is an error. */
  clusterId: z.string().optional(),
});

/** Per node (droplet name, or `local`): the SSH host key pinned at first contact. */
const nodeStateSchema = z.strictObject({
  hostKey: z.string().optional(),
});

/** The stack as last deployed: a deploy whose hash is unchanged is not repeated. */
const stackStateSchema = z.strictObject({
  hash: z.string(),
  deployedAt: z.string(),
});

/** One failed order for a certificate domain (see src/certs/backoff.ts). */
const failedAttemptSchema = z.strictObject({ at: z.string(), reason: z.string() });

/** Per certificate domain: recent failed orders and the next allowed attempt (Let's Encrypt's failed-validation limit). */
const nameAttemptsSchema = z.strictObject({
  failures: z.array(failedAttemptSchema).default([]),
  consecutive: z.number().int().nonnegative().default(0),
  nextAttemptAt: z.string().optional(),
});

/** Certificate bookkeeping that must survive between runs (absent in older state files; other keys kept as they are). */
const certificatesStateSchema = z.looseObject({
  attempts: z.record(z.string(), nameAttemptsSchema).default({}),
});

/**
 * `.swarm-wiz/state.json`. Sections other engineers add later (certificates, …) are kept as they
 * are (loose object) so a provisioning run never drops them; `cloud` and `swarm` are validated.
 */
export const stateSchema = z.looseObject({
  version: z.literal(STATE_VERSION, { error: (i) => `version ${showValue(i.input)} is not ${STATE_VERSION} (written by another swarm-wiz version?)` }),
  project: z.string().min(1),
  cloud: cloudStateSchema.default({ tags: [], droplets: [], firewalls: [], dnsRecords: [] }),
  swarm: swarmStateSchema.optional(),
  /** Where the project runs: droplets, or this machine (`apply --target local`). */
  target: z.enum(['local', 'digitalocean']).optional(),
  nodes: z.record(z.string(), nodeStateSchema).optional(),
  stack: stackStateSchema.optional(),
  certificates: certificatesStateSchema.optional(),
  /**
   * Services with volumes as apply left them: `placed` ran on a node at least once; `held` are kept at
   * 0 replicas because the droplet holding their data was replaced while backups exist, until `restore`
   * brings their data back (or `apply --start-empty`).
   */
  data: z.strictObject({ placed: z.array(z.string()).default([]), held: z.array(z.string()).default([]) }).optional(),
  /**
   * Set only in the copy `apply` puts on the support server: the droplet this copy runs on. There, that
   * node is this machine (a local shell) and the others are reached over the VPC with its own SSH key.
   */
  runsOn: z.string().min(1).optional(),
  /**
   * Set when a run was stopped (Ctrl-C, SIGTERM) while API requests were unanswered: each may have taken
   * effect, and the next apply finds what it made by tag or name. Cleared by the next complete apply.
   */
  interrupted: z.strictObject({ at: z.string(), requests: z.array(z.string()) }).optional(),
});

export type State = z.output<typeof stateSchema>;
export type CloudState = State['cloud'];
export type DropletRecord = CloudState['droplets'][number];
export type FirewallRecord = CloudState['firewalls'][number];
export type LoadBalancerRecord = NonNullable<CloudState['loadBalancer']>;
export type DnsRecordState = CloudState['dnsRecords'][number];
export type CertificatesState = NonNullable<State['certificates']>;

/** The state of a project nothing has been created for yet. */
export function emptyState(project: string): State {
  return { version: STATE_VERSION, project, cloud: { tags: [], droplets: [], firewalls: [], dnsRecords: [] } };
}
