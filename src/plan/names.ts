import type { Config } from '../config/index.js';
import type { DropletRole } from '../state/index.js';

/** Every droplet, firewall and tag of a project carries this tag: resume and destroy find them by it. */
export const projectTag = (project: string): string => `swarm-wiz:${project}`;
export const roleTag = (project: string, role: DropletRole): string => `swarm-wiz:${project}:${role}`;
/** On the droplets that receive public traffic (80/443) in the chosen topology. */
export const edgeTag = (project: string): string => `swarm-wiz:${project}:edge`;
/** The seed's "worker node" label, as a droplet tag on every worker. */
export const WORKER_NODE_TAG = 'worker-node';

export const DROPLET_IMAGE = 'debian-13-x64';

export const managerName = (project: string, n: number): string => `${project}-manager-${n}`;
export const workerName = (project: string, n: number): string => `${project}-worker-${n}`;
export const supportName = (project: string): string => `${project}-support`;
export const vpcName = (project: string): string => `${project}-vpc`;
export const loadBalancerName = (project: string): string => `${project}-lb`;
export const internalFirewallName = (project: string): string => `${project}-internal`;
export const edgeFirewallName = (project: string): string => `${project}-edge`;
export const sshKeyName = (project: string): string => `swarm-wiz-${project}`;

/** Each host name that needs an A record, with the droplet or load balancer that serves it. */
export function entrypoints(config: Config): { host: string; target: { droplet: string } | { loadBalancer: string } }[] {
  const out: { host: string; target: { droplet: string } | { loadBalancer: string } }[] = [];
  config.sites.forEach((site, index) => {
    const target = entryTarget(config, index);
    for (const host of [site.domain, ...site.aliases]) out.push({ host, target });
  });
  return out;
}

function entryTarget(config: Config, siteIndex: number): { droplet: string } | { loadBalancer: string } {
  switch (config.topology) {
    case 'manager':
      return { droplet: managerName(config.project, 1) };
    case 'dedicated':
      return { droplet: workerName(config.project, 1) };
    case 'per-domain':
      return { droplet: workerName(config.project, siteIndex + 1) };
    case 'global-lb':
      return { loadBalancer: loadBalancerName(config.project) };
  }
}

/** Droplets that take public traffic: those DNS points to, or every worker behind the load balancer. */
export function edgeDroplets(config: Config): Set<string> {
  if (config.topology === 'global-lb') {
    return new Set(Array.from({ length: config.workers }, (_, i) => workerName(config.project, i + 1)));
  }
  const names = new Set<string>();
  for (const { target } of entrypoints(config)) if ('droplet' in target) names.add(target.droplet);
  return names;
}

export const stepId = (kind: string, name: string): string => `${kind}:${name}`;
