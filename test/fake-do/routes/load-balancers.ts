import type { ApiLoadBalancer, FakeState } from '../state.js';
import { notFound, nowIso, paginate, unprocessable, uuid, type Route, type RouteContext } from './route.js';

function loadBalancerFromBody(context: RouteContext, existing: ApiLoadBalancer | undefined): ApiLoadBalancer | string {
  const { body, state } = context;
  if (!body.tag) return 'swarm-wiz fake: only load balancers that target droplets by tag are supported';
  if (body.vpc_uuid && !state.vpcs.some((vpc) => vpc.id === body.vpc_uuid)) return 'vpc_uuid: VPC not found';
  return {
    id: existing?.id ?? uuid(),
    name: body.name,
    ip: existing?.ip ?? '',
    status: existing?.status ?? 'new',
    created_at: existing?.created_at ?? nowIso(),
    forwarding_rules: body.forwarding_rules,
    health_check: { protocol: 'http', port: 80, path: '/', check_interval_seconds: 10, response_timeout_seconds: 5, unhealthy_threshold: 5, healthy_threshold: 3, ...body.health_check },
    sticky_sessions: { type: 'none' },
    region: body.region,
    tag: body.tag,
    droplet_ids: state.droplets.filter((droplet) => droplet.tags.includes(body.tag)).map((droplet) => droplet.id),
    ...(body.vpc_uuid ? { vpc_uuid: body.vpc_uuid } : {}),
    size_unit: body.size_unit ?? 1,
  };
}

/** The API shape: `region` is an object there, and `droplet_ids` follows the droplets carrying the tag. */
export function loadBalancerJson(state: FakeState, loadBalancer: ApiLoadBalancer): Record<string, unknown> {
  return {
    ...loadBalancer,
    droplet_ids: state.droplets.filter((droplet) => droplet.tags.includes(loadBalancer.tag)).map((droplet) => droplet.id),
    region: { name: loadBalancer.region, slug: loadBalancer.region, features: ['private_networking'], available: true, sizes: ['s-1vcpu-1gb'] },
  };
}

let lbAddressCounter = 0;

export const loadBalancerRoutes: Route[] = [
  {
    method: 'GET',
    template: '/v2/load_balancers',
    operationId: 'loadBalancers_list',
    handle: (context) => paginate(context, 'load_balancers', context.state.loadBalancers.map((loadBalancer) => loadBalancerJson(context.state, loadBalancer))),
  },
  {
    method: 'POST',
    template: '/v2/load_balancers',
    operationId: 'loadBalancers_create',
    handle: (context) => {
      const loadBalancer = loadBalancerFromBody(context, undefined);
      if (typeof loadBalancer === 'string') return unprocessable(loadBalancer);
      context.state.loadBalancers.push(loadBalancer);
      context.becomeActiveLater(() => {
        lbAddressCounter += 1;
        loadBalancer.ip = context.machines?.loadBalancerIp() ?? `198.51.100.${(lbAddressCounter % 250) + 2}`;
        loadBalancer.status = 'active';
      }, loadBalancer.name);
      return { status: 202, body: { load_balancer: loadBalancerJson(context.state, loadBalancer) } };
    },
  },
  {
    method: 'GET',
    template: '/v2/load_balancers/{lb_id}',
    operationId: 'loadBalancers_get',
    handle: ({ params, state }) => {
      const loadBalancer = state.loadBalancers.find((candidate) => candidate.id === params.lb_id);
      return loadBalancer ? { status: 200, body: { load_balancer: loadBalancerJson(state, loadBalancer) } } : notFound();
    },
  },
  {
    method: 'PUT',
    template: '/v2/load_balancers/{lb_id}',
    operationId: 'loadBalancers_update',
    handle: (context) => {
      const index = context.state.loadBalancers.findIndex((candidate) => candidate.id === context.params.lb_id);
      if (index < 0) return notFound();
      const loadBalancer = loadBalancerFromBody(context, context.state.loadBalancers[index]);
      if (typeof loadBalancer === 'string') return unprocessable(loadBalancer);
      context.state.loadBalancers[index] = loadBalancer;
      return { status: 200, body: { load_balancer: loadBalancerJson(context.state, loadBalancer) } };
    },
  },
  {
    method: 'DELETE',
    template: '/v2/load_balancers/{lb_id}',
    operationId: 'loadBalancers_delete',
    handle: ({ params, state }) => {
      const before = state.loadBalancers.length;
      state.loadBalancers = state.loadBalancers.filter((candidate) => candidate.id !== params.lb_id);
      return state.loadBalancers.length < before ? { status: 204 } : notFound();
    },
  },
];
