import { HEALTH_PATH } from '../../recipes/names.js';
import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';
import { loadBalancerName, roleTag, stepId, vpcName } from './names.js';
import { sameSpec } from './same-spec.js';
import type { LoadBalancerStep, PlannedLoadBalancer } from './types.js';

/**
 * What the load balancer's health check asks for. The proxy's default server (any Host, even none)
 * answers it, so a check never depends on a domain's certificate or Host header.
 */
export const HEALTH_CHECK = { protocol: 'http', port: 80, path: HEALTH_PATH } as const;

export function desiredLoadBalancer(config: Config): PlannedLoadBalancer {
  return {
    name: loadBalancerName(config.project),
    region: config.region,
    vpc: vpcName(config.project),
    tag: roleTag(config.project, 'worker'),
    // TCP passthrough: TLS ends at the proxies, which hold the certificates.
    forwarding: [
      { entryProtocol: 'tcp', entryPort: 80, targetProtocol: 'tcp', targetPort: 80 },
      { entryProtocol: 'tcp', entryPort: 443, targetProtocol: 'tcp', targetPort: 443 },
    ],
    healthCheck: { ...HEALTH_CHECK },
  };
}

/** Only the global-lb topology has one: every worker runs a proxy (`mode: global`) behind it. */
export function planLoadBalancer(config: Config, state: State): LoadBalancerStep[] {
  const recorded = state.cloud.loadBalancer;
  if (config.topology !== 'global-lb') {
    if (!recorded) return [];
    return [{ kind: 'load-balancer', op: 'delete', id: stepId('load-balancer', recorded.name), name: recorded.name, spec: recorded.spec as PlannedLoadBalancer, recordedId: recorded.id, description: `load balancer ${recorded.name} (id ${recorded.id}): topology ${config.topology} does not use one` }];
  }
  const spec = desiredLoadBalancer(config);
  const what = `load balancer ${spec.name}: TCP passthrough 80→80 and 443→443 to droplets tagged ${spec.tag}, health check ${spec.healthCheck.protocol} :${spec.healthCheck.port}${spec.healthCheck.path ?? ''} (no Host needed)`;
  const base = { kind: 'load-balancer' as const, id: stepId('load-balancer', spec.name), name: spec.name, spec };
  if (!recorded) return [{ ...base, op: 'create', description: what }];
  const op = sameSpec(recorded.spec, spec) ? 'same' : 'update';
  return [{ ...base, op, recordedId: recorded.id, description: `${what}${recorded.ip ? ` (${recorded.ip})` : ''}` }];
}
