import { remoteLine } from '../text/remote-text.js';
import type { Command } from './command.js';

/** Docker Swarm operations, as argv. Join tokens are secrets: they are marked so no output shows them. */

/** `docker info`'s Swarm section: is this engine in a swarm, which, and may it manage it. */
export const swarmInfo: Command = { argv: ['docker', 'info', '--format', '{{json .Swarm}}'], description: "read the engine's swarm state" };

export interface SwarmInfo {
  nodeId: string;
  nodeAddr: string;
  /** inactive | pending | active | error | locked */
  state: string;
  isManager: boolean;
  /** Only a manager knows it. */
  clusterId?: string;
  error?: string;
}

export function parseSwarmInfo(json: string): SwarmInfo {
  const raw = JSON.parse(json) as { NodeID?: string; NodeAddr?: string; LocalNodeState?: string; ControlAvailable?: boolean; Error?: string; Cluster?: { ID?: string } | null };
  return {
    nodeId: raw.NodeID ?? '',
    nodeAddr: raw.NodeAddr ?? '',
    state: raw.LocalNodeState ?? 'inactive',
    isManager: raw.ControlAvailable === true,
    ...(raw.Cluster?.ID ? { clusterId: raw.Cluster.ID } : {}),
    ...(raw.Error ? { error: remoteLine(raw.Error) } : {}),
  };
}

export function swarmInit(advertiseAddr: string | undefined): Command {
  return {
    argv: ['docker', 'swarm', 'init', ...(advertiseAddr ? ['--advertise-addr', advertiseAddr] : [])],
    description: `initialise the swarm${advertiseAddr ? ` advertising ${advertiseAddr}` : ''}`,
  };
}

/** `docker swarm init` failed because this machine has several addresses and none was given (Docker's own words in its output). */
export function needsAdvertiseAddr(output: string): boolean {
  return /advertise address|could not choose an IP/i.test(output);
}

/** Prints only the token (`-q`); its output is a secret. */
export function joinToken(role: 'manager' | 'worker'): Command {
  return { argv: ['docker', 'swarm', 'join-token', '-q', role], description: `read the ${role} join token` };
}

export function swarmJoin(token: string, managerAddr: string, advertiseAddr: string | undefined): Command {
  return {
    argv: ['docker', 'swarm', 'join', '--token', token, ...(advertiseAddr ? ['--advertise-addr', advertiseAddr] : []), `${managerAddr}:2377`],
    secrets: [token],
    description: `join the swarm at ${managerAddr}`,
  };
}

/**
 * Leaves whatever swarm this engine is in (`--force`: also a manager, or a worker whose managers are
 * gone). Its swarm tasks stop with it.
 */
export const swarmLeave: Command = { argv: ['docker', 'swarm', 'leave', '--force'], description: 'leave the swarm' };

/** Containers of swarm tasks still on this engine (any state): after a leave they are torn down in the background. */
export const swarmTaskContainers: Command = { argv: ['docker', 'ps', '-aq', '--filter', 'label=com.docker.swarm.task.id'], description: "list the swarm tasks' containers" };

/** Overlay networks still on this engine: a swarm's go with it once its tasks are gone. */
export const overlayNetworks: Command = { argv: ['docker', 'network', 'ls', '-q', '--filter', 'driver=overlay'], description: 'list the overlay networks' };

/**
 * Restarts the engine (Debian's docker.io under systemd). After leaving a swarm, Docker keeps that
 * swarm's gossip state (networkdb) until it restarts, and a node that joins another swarm without a
 * restart never learns its overlay peers (moby/moby#30314; seen with Docker 20.10).
 */
export const engineRestart: Command = { argv: ['systemctl', 'restart', 'docker'], description: 'restart the Docker engine' };

/** A manager becomes a worker (Raft forgets it), so it can be removed. */
export function nodeDemote(id: string): Command {
  return { argv: ['docker', 'node', 'demote', id], description: `demote node ${id}` };
}

/** Forgets a node that is down (its droplet is gone): `--force` because it cannot leave by itself. */
export function nodeRemove(id: string): Command {
  return { argv: ['docker', 'node', 'rm', '--force', id], description: `remove node ${id} from the swarm` };
}

export const nodeList: Command = { argv: ['docker', 'node', 'ls', '--format', '{{json .}}'], description: 'list the swarm nodes' };

export interface SwarmNode {
  id: string;
  hostname: string;
  status: string;
  availability: string;
  managerStatus: string;
  engineVersion: string;
  self: boolean;
}

/** `docker node ls --format '{{json .}}'`: one JSON object per line. */
export function parseNodeList(output: string): SwarmNode[] {
  return jsonLines(output).map((raw) => ({
    id: String(raw.ID ?? ''),
    hostname: String(raw.Hostname ?? ''),
    status: String(raw.Status ?? ''),
    availability: String(raw.Availability ?? ''),
    managerStatus: String(raw.ManagerStatus ?? ''),
    engineVersion: String(raw.EngineVersion ?? ''),
    self: raw.Self === true,
  }));
}

/** The labels of a node (`self` for the one the command runs on). */
export function nodeLabels(node: string): Command {
  return { argv: ['docker', 'node', 'inspect', node, '--format', '{{json .Spec.Labels}}'], description: `read the labels of node ${node}` };
}

export function parseLabels(json: string): Record<string, string> {
  const raw = JSON.parse(json.trim() || 'null') as Record<string, string> | null;
  return raw ?? {};
}

export function addNodeLabels(node: string, labels: Record<string, string>): Command {
  return {
    argv: ['docker', 'node', 'update', ...Object.entries(labels).flatMap(([key, value]) => ['--label-add', `${key}=${value}`]), node],
    description: `label node ${node} ${Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(', ')}`,
  };
}

/** Lines of `--format '{{json .}}'` output, parsed. */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every node's full record (`docker node inspect` of the given IDs): a JSON array. */
export function nodeInspect(ids: readonly string[]): Command {
  return { argv: ['docker', 'node', 'inspect', ...ids], description: 'read the swarm nodes' };
}

/** What `swarm-wiz status` shows of one node, read from `docker node inspect`. */
export interface NodeFacts {
  id: string;
  hostname: string;
  /** manager | worker */
  role: string;
  /** active | pause | drain */
  availability: string;
  /** ready | down | unknown | disconnected */
  state: string;
  engineVersion: string;
  /** The address the node advertises to the swarm. */
  address: string;
  labels: Record<string, string>;
  /** This manager leads the raft (only managers). */
  leader: boolean;
  /** A manager's raft reachability: reachable | unreachable (only managers). */
  reachability?: string;
}

/** `docker node inspect ID…` (a JSON array) → one record per node, in the order given. */
export function parseNodeInspect(json: string): NodeFacts[] {
  const raw = JSON.parse(json.trim() || '[]') as {
    ID?: string;
    Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> | null };
    Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
    Status?: { State?: string; Addr?: string };
    ManagerStatus?: { Leader?: boolean; Reachability?: string };
  }[];
  return raw.map((node) => ({
    id: node.ID ?? '',
    hostname: node.Description?.Hostname ?? '',
    role: node.Spec?.Role ?? '',
    availability: node.Spec?.Availability ?? '',
    state: node.Status?.State ?? '',
    engineVersion: node.Description?.Engine?.EngineVersion ?? '',
    address: node.Status?.Addr ?? '',
    labels: node.Spec?.Labels ?? {},
    leader: node.ManagerStatus?.Leader === true,
    ...(node.ManagerStatus?.Reachability ? { reachability: node.ManagerStatus.Reachability } : {}),
  }));
}
