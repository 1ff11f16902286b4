import YAML from 'yaml';
import { renderCompose } from '../../recipes/compose.js';
import { renderProxyNginxConf } from '../../recipes/project-files.js';
import type { Config, Site } from '../config/index.js';
import { unifiedDiff, type DiffLine } from './file-diff.js';
import { entrypoints, workerName } from './names.js';

/**
 * What adding one site changes, and nothing else: the services it brings, the lines it adds to the
 * proxy's nginx.conf, the one certificate to order, droplets a topology needs for it, and what
 * happens to the running proxy. Pure: computed from the config before and after.
 */
export interface AddDomainDelta {
  site: Site;
  /** The new site's services (its public one first), each with its image. */
  services: { name: string; image: string; visibility: 'public' | 'private'; secrets: string[] }[];
  /** The names on the one new certificate (domain, then aliases). */
  certificate: string[];
  /** Unified diff of proxy/nginx.conf, before → after (the same rendering as the plan's file diffs). */
  nginxDiff: DiffLine[];
  /** The running proxy: kept (nginx reloads in place), scaled (one more replica; running tasks stay), or replaced. */
  proxy: 'kept' | 'scaled' | 'replaced';
  /** Droplets the topology needs for the new site (per-domain: its own worker). */
  newDroplets: string[];
  /** Where each new host must point: the entry target's name (a droplet or the load balancer). */
  entries: { host: string; target: string }[];
}

/** Every service of the proxy as the compose file declares it, as plain data for comparison. */
function proxyService(config: Config): Record<string, unknown> {
  const compose = YAML.parse(renderCompose(config)) as { services: Record<string, Record<string, unknown>> };
  return compose.services.proxy ?? {};
}

const withoutReplicas = (service: Record<string, unknown>): unknown => ({ ...service, deploy: { ...(service.deploy as object), replicas: undefined } });

function proxyChange(before: Config, after: Config): AddDomainDelta['proxy'] {
  const [was, will] = [proxyService(before), proxyService(after)];
  if (JSON.stringify(was) === JSON.stringify(will)) return 'kept';
  return JSON.stringify(withoutReplicas(was)) === JSON.stringify(withoutReplicas(will)) ? 'scaled' : 'replaced';
}

/** The delta of `after` = `before` + one site (the last one). Throws when `after` is not that. */
export function addDomainDelta(before: Config, after: Config): AddDomainDelta {
  const site = after.sites.at(-1);
  if (!site || after.sites.length !== before.sites.length + 1) throw new Error('add-domain: the new config must have exactly one more site than the current one');
  const before_ = renderProxyNginxConf(before);
  const after_ = renderProxyNginxConf(after);
  const newWorkers = Array.from({ length: Math.max(0, after.workers - before.workers) }, (_, i) => workerName(after.project, before.workers + i + 1));
  const hosts = new Set([site.domain, ...site.aliases]);
  return {
    site,
    services: [
      { name: site.service.name, image: site.service.image, visibility: 'public', secrets: site.service.secrets ?? [] },
      ...site.private.map((svc) => ({ name: svc.name, image: svc.image, visibility: 'private' as const, secrets: svc.secrets ?? [] })),
    ],
    certificate: [site.domain, ...site.aliases],
    nginxDiff: unifiedDiff('proxy/nginx.conf', before_, after_, { old: 'now', new: `with ${site.domain}` }),
    proxy: proxyChange(before, after),
    newDroplets: newWorkers,
    entries: entrypoints(after)
      .filter((entry) => hosts.has(entry.host))
      .map((entry) => ({ host: entry.host, target: 'droplet' in entry.target ? entry.target.droplet : entry.target.loadBalancer })),
  };
}

/** How the proxy fares, in words for the plan. */
export function describeProxyChange(delta: Pick<AddDomainDelta, 'proxy'>, config: Pick<Config, 'certificates'>): string {
  switch (delta.proxy) {
    case 'kept':
      return 'the running proxy stays: its nginx.conf and certificates are synced, checked with nginx -t and reloaded in place';
    case 'scaled':
      return 'the proxy gets one more replica for the new domain; the running ones stay and reload in place';
    case 'replaced':
      return `the proxy service changes (certificates delivered as ${config.certificates.delivery}): Swarm replaces its tasks, one at a time, stop-first`;
  }
}

/** The delta as plan lines: the nginx.conf diff first, the summary last (nearest the question that follows). */
export function addDomainPlanLines(delta: AddDomainDelta, config: Pick<Config, 'certificates'>): string[] {
  return [
    ...delta.nginxDiff.map((line) => line.text),
    '',
    `Add ${delta.site.domain}${delta.site.aliases.length > 0 ? ` (with ${delta.site.aliases.join(', ')})` : ''}:`,
    ...delta.services.map((svc) => `  + service ${svc.name} (${svc.visibility}) ${svc.image}`),
    `  + certificate for ${delta.certificate.join(', ')} (the other certificates are not touched)`,
    ...(delta.newDroplets.length > 0 ? delta.newDroplets.map((name) => `  + droplet ${name} (topology per-domain: one worker per domain)`) : ['  no droplet is created or changed']),
    `  ~ ${describeProxyChange(delta, config)}`,
    ...delta.services.flatMap((svc) =>
      svc.secrets.map((name) => `  ! ${svc.name} reads secret ${name}: once added, give it a value with swarm-wiz secret set ${name} (apply stops until every secret has one)`),
    ),
  ];
}
