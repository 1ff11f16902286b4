import type { Droplet, Firewall, LoadBalancer, Vpc } from '../adapters/digitalocean/cloud-api.js';
import { DROPLET_ROLES, type DropletRecord, type DropletRole, type State } from '../state/index.js';
import { projectTag, roleTag } from '../plan/index.js';

/** A droplet as the state records it. */
export function dropletRecord(droplet: Droplet, role: DropletRole): DropletRecord {
  return {
    id: droplet.id,
    name: droplet.name,
    role,
    region: droplet.region,
    size: droplet.size,
    tags: droplet.tags,
    status: droplet.status,
    ...(droplet.publicIpv4 ? { publicIpv4: droplet.publicIpv4 } : {}),
    ...(droplet.privateIpv4 ? { privateIpv4: droplet.privateIpv4 } : {}),
  };
}

function roleOf(project: string, droplet: Droplet): DropletRole {
  return DROPLET_ROLES.find((role) => droplet.tags.includes(roleTag(project, role))) ?? 'worker';
}

/**
 * Brings the recorded droplets in line with what DigitalOcean lists under the project tag:
 * droplets created but never recorded (a crash between the create call and the state write) are
 * adopted, so they are neither created twice nor left as orphans; recorded droplets that are gone
 * are forgotten, so the plan creates them again — with their pinned host keys, since the droplet that
 * replaces one under the same name has keys of its own (a changed key is refused, never re-pinned). Pure.
 */
export function reconcileDroplets(state: State, found: readonly Droplet[]): { state: State; adopted: string[]; vanished: string[] } {
  const tag = projectTag(state.project);
  const mine = found.filter((d) => d.tags.includes(tag));
  const byId = new Map(mine.map((d) => [d.id, d]));
  const recordedIds = new Set(state.cloud.droplets.map((d) => d.id));
  const vanished = state.cloud.droplets.filter((d) => !byId.has(d.id)).map((d) => d.name);
  const kept = state.cloud.droplets.filter((d) => byId.has(d.id)).map((d) => dropletRecord(byId.get(d.id)!, d.role));
  const adoptedDroplets = mine.filter((d) => !recordedIds.has(d.id));
  const next = structuredClone(state);
  next.cloud.droplets = [...kept, ...adoptedDroplets.map((d) => dropletRecord(d, roleOf(state.project, d)))];
  const stillNamed = new Set(kept.map((d) => d.name));
  for (const name of vanished) {
    if (stillNamed.has(name) || !next.nodes?.[name]) continue;
    const { hostKey: _gone, ...rest } = next.nodes[name];
    next.nodes[name] = rest;
  }
  return { state: next, adopted: adoptedDroplets.map((d) => d.name), vanished };
}

/** What the account lists of the kinds the state records by id; undefined when not listed. */
export interface Listed {
  vpcs?: readonly Vpc[];
  firewalls?: readonly Firewall[];
  loadBalancers?: readonly LoadBalancer[];
}

/**
 * Forgets a recorded VPC, firewall or load balancer that the account no longer lists (deleted
 * outside swarm-wiz), so the plan creates it again instead of trusting a stale id. Pure.
 */
export function forgetVanished(state: State, listed: Listed): { state: State; vanished: string[] } {
  const next = structuredClone(state);
  const vanished: string[] = [];
  if (listed.vpcs && next.cloud.vpc && !listed.vpcs.some((v) => v.id === next.cloud.vpc!.id)) {
    vanished.push(next.cloud.vpc.name);
    delete next.cloud.vpc;
  }
  if (listed.firewalls) {
    const ids = new Set(listed.firewalls.map((f) => f.id));
    vanished.push(...next.cloud.firewalls.filter((f) => !ids.has(f.id)).map((f) => f.name));
    next.cloud.firewalls = next.cloud.firewalls.filter((f) => ids.has(f.id));
  }
  if (listed.loadBalancers && next.cloud.loadBalancer && !listed.loadBalancers.some((l) => l.id === next.cloud.loadBalancer!.id)) {
    vanished.push(next.cloud.loadBalancer.name);
    delete next.cloud.loadBalancer;
  }
  return { state: next, vanished };
}
