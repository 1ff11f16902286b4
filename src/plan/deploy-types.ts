import type { Phase, StepOp } from './types.js';

/**
 * Steps after the droplets exist (or on this machine, `--target local`): the node folders, the swarm,
 * the proxy folder on each proxy node, the stack and the certificates. Like the cloud steps they carry
 * what to do and why; the engine runs them through its handler map.
 */
export type DeployStepKind = 'node' | 'swarm' | 'preflight' | 'proxy-files' | 'stack' | 'certificate' | 'support';

/** A deploy step's operation: the cloud's, plus `check` — runs on every apply and changes nothing. */
export type DeployStepOp = StepOp | 'check';

interface DeployStepBase {
  op: DeployStepOp;
  /** Stable across runs: `kind:name`. */
  id: string;
  name: string;
  description: string;
  warning?: string;
}

/** The project's folder on a node (0700, root): where the proxy folder and the project copy go. */
export interface NodeStep extends DeployStepBase {
  kind: 'node';
  node: string;
  dir: string;
}

export interface SwarmInitStep extends DeployStepBase {
  kind: 'swarm';
  action: 'init';
  node: string;
  advertiseAddr?: string;
}

export interface SwarmJoinStep extends DeployStepBase {
  kind: 'swarm';
  action: 'join';
  node: string;
  role: 'manager' | 'worker';
  /** The node the join token comes from and the join goes to. */
  manager: string;
  advertiseAddr?: string;
  /** The node is still in a swarm that is gone (its managers were lost): it leaves that one first (its tasks stop). */
  leaveFirst?: boolean;
}

export interface SwarmLabelStep extends DeployStepBase {
  kind: 'swarm';
  action: 'label';
  /** Where the command runs (a manager). */
  node: string;
  /** The swarm node to label (its hostname or id). */
  swarmNode: string;
  labels: Record<string, string>;
}

/** A node whose droplet is gone, still listed by the swarm (down): forgotten, a manager demoted first. */
export interface SwarmRemoveStep extends DeployStepBase {
  kind: 'swarm';
  action: 'remove';
  /** Where the command runs (a manager). */
  node: string;
  /** The swarm's id of the node to remove. */
  swarmNodeId: string;
  /** It is a manager: demoted first (Raft forgets it), then removed. */
  demote: boolean;
}

export type SwarmStep = SwarmInitStep | SwarmJoinStep | SwarmLabelStep | SwarmRemoveStep;

/**
 * Checks, before anything is deployed, that the swarm nodes reach each other on the ports Swarm needs:
 * 2377/tcp to the managers, 7946/tcp+udp between all nodes, and an overlay network carrying a request
 * between every pair (which needs 4789/udp). Runs on every apply with two or more nodes (op `check`).
 */
export interface PreflightStep extends DeployStepBase {
  kind: 'preflight';
  /** The manager that creates and removes the check's overlay network. */
  node: string;
  /** Every swarm node, in the plan's order (the index names each node's check container). */
  nodes: { name: string; role: 'manager' | 'worker' }[];
  /** The project folder on each node (the check's nginx.conf and socket go there for the check). */
  dir: string;
  /** An image on every node that has nginx: the proxy's. */
  image: string;
}

/** Makes a proxy node's folder match nginx.conf and the stored certificates; checks and reloads the running proxy. */
export interface ProxyFilesStep extends DeployStepBase {
  kind: 'proxy-files';
  node: string;
  dir: string;
  /** Files (relative to dir) known to differ when planned; the handler compares again before writing. */
  changed: string[];
}

export interface StackStep extends DeployStepBase {
  kind: 'stack';
  project: string;
  /** Where the manager reads docker-compose.yml. */
  composePath: string;
  /** The manager the deploy runs on. */
  node: string;
  /** sha256 of the compose text and the values it interpolates: recorded after a deploy; equal means nothing to deploy. */
  hash: string;
  env: Record<string, string>;
  /**
   * Services whose mode changes (replicated ↔ global): Swarm cannot change that in place, so each is
   * removed right before `docker stack deploy`, which creates it again.
   */
  replace?: ServiceReplacement[];
}

export interface ServiceReplacement {
  /** The Swarm service name (`<project>_proxy`). */
  service: string;
  from: string;
  to: string;
}

export interface CertificateStep extends DeployStepBase {
  kind: 'certificate';
  domain: string;
  altNames: string[];
  /** Why it is ordered: missing, placeholder, due, forced, … */
  reason: string;
}

/**
 * The support server runs `swarm-wiz renew` from its own crontab: swarm-wiz as one file, Node.js from the
 * droplet image's packages, a copy of the project folder (config, a trimmed state, the ACME account key,
 * the certificate store), an SSH key of its own authorised on the swarm nodes, and the crontab.
 */
export interface SupportStep extends DeployStepBase {
  kind: 'support';
  node: string;
  /** The project folder on the support server. */
  dir: string;
  /** Files of the copy (relative to dir) known to differ when planned; the handler compares again. */
  changed: string[];
  /** Whether root's crontab differs from the generated one. */
  crontab: boolean;
  /** Swarm nodes its SSH key is not (yet) authorised on. */
  authorize: string[];
  /** The DigitalOcean token is part of the copy (dns-01 only). */
  token: boolean;
}

export type DeployStep = NodeStep | SwarmStep | PreflightStep | ProxyFilesStep | StackStep | CertificateStep | SupportStep;

/**
 * The phases of a deploy, in the order they run. The support server comes last: the copy it gets holds
 * the certificates this run ordered.
 */
export const DEPLOY_PHASES = ['nodes', 'swarm', 'join', 'labels', 'preflight', 'proxy files', 'stack', 'certificates', 'rollout', 'support server'] as const;

export type DeployPhaseName = (typeof DEPLOY_PHASES)[number];

export type DeployPhase = Phase<DeployPhaseName, DeployStep>;
