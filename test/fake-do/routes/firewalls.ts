import type { ApiFirewall } from '../state.js';
import { notFound, nowIso, paginate, unprocessable, uuid, type Route, type RouteContext } from './route.js';

const FIREWALL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9.-]+$/;

function firewallFromBody(context: RouteContext, id: string, createdAt: string): ApiFirewall | string {
  const { body, state } = context;
  if (!FIREWALL_NAME.test(body.name)) return 'name: must start with a letter or digit and contain only letters, digits, dots and dashes';
  const tags: string[] = body.tags ?? [];
  const missingTag = tags.find((tag) => !state.tags.includes(tag));
  if (missingTag) return `tag ${missingTag} does not exist`;
  return {
    id,
    status: 'succeeded',
    created_at: createdAt,
    pending_changes: [],
    name: body.name,
    droplet_ids: body.droplet_ids ?? [],
    tags,
    inbound_rules: body.inbound_rules ?? [],
    outbound_rules: body.outbound_rules ?? [],
  };
}

export const firewallRoutes: Route[] = [
  {
    method: 'GET',
    template: '/v2/firewalls',
    operationId: 'firewalls_list',
    handle: (context) => paginate(context, 'firewalls', context.state.firewalls),
  },
  {
    method: 'POST',
    template: '/v2/firewalls',
    operationId: 'firewalls_create',
    handle: (context) => {
      const firewall = firewallFromBody(context, uuid(), nowIso());
      if (typeof firewall === 'string') return unprocessable(firewall);
      context.state.firewalls.push(firewall);
      return { status: 202, body: { firewall } };
    },
  },
  {
    method: 'GET',
    template: '/v2/firewalls/{firewall_id}',
    operationId: 'firewalls_get',
    handle: ({ params, state }) => {
      const firewall = state.firewalls.find((candidate) => candidate.id === params.firewall_id);
      return firewall ? { status: 200, body: { firewall } } : notFound();
    },
  },
  {
    method: 'PUT',
    template: '/v2/firewalls/{firewall_id}',
    operationId: 'firewalls_update',
    handle: (context) => {
      const index = context.state.firewalls.findIndex((candidate) => candidate.id === context.params.firewall_id);
      if (index < 0) return notFound();
      const firewall = firewallFromBody(context, context.params.firewall_id!, context.state.firewalls[index]!.created_at);
      if (typeof firewall === 'string') return unprocessable(firewall);
      context.state.firewalls[index] = firewall;
      return { status: 200, body: { firewall } };
    },
  },
  {
    method: 'DELETE',
    template: '/v2/firewalls/{firewall_id}',
    operationId: 'firewalls_delete',
    handle: ({ params, state }) => {
      const before = state.firewalls.length;
      state.firewalls = state.firewalls.filter((candidate) => candidate.id !== params.firewall_id);
      return state.firewalls.length < before ? { status: 204 } : notFound();
    },
  },
];
