import type { StepOp } from './types.js';

/**
 * Steps after the droplets exist (or on this machine, `--target local`): the node folders, the swarm,
 * the proxy folder on each proxy node, the stack and the certificates. Like the cloud steps they carry
 * what to do and why; the engine runs them through its handler map.
 */
export type DeployStepKind = 'node' | 'swarm' | 'proxy-files' | 'stack' | 'certificate';

interface DeployStepBase {
  op: StepOp;
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

export type SwarmStep = SwarmInitStep | SwarmJoinStep | SwarmLabelStep;

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
}

export interface CertificateStep extends DeployStepBase {
  kind: 'certificate';
  domain: string;
  altNames: string[];
  /** Why it is ordered: missing, placeholder, due, forced, … */
  reason: string;
}

export type DeployStep = NodeStep | SwarmStep | ProxyFilesStep | StackStep | CertificateStep;

/** A plan is phases: the engine runs them in order, the steps of one phase concurrently. */
export interface Phase<Step = DeployStep> {
  name: string;
  steps: Step[];
}
