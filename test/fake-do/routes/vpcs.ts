import { apiError, notFound, nowIso, paginate, unprocessable, uuid, type Route } from './route.js';

export const vpcRoutes: Route[] = [
  {
    method: 'GET',
    template: '/v2/vpcs',
    operationId: 'vpcs_list',
    handle: (context) => paginate(context, 'vpcs', context.state.vpcs),
  },
  {
    method: 'POST',
    template: '/v2/vpcs',
    operationId: 'vpcs_create',
    handle: ({ body, state }) => {
      if (state.vpcs.some((vpc) => vpc.name === body.name)) return unprocessable('A VPC with this name already exists');
      const id = uuid();
      const vpc = {
        id,
        urn: `do:vpc:${id}`,
        name: body.name,
        description: body.description ?? '',
        region: body.region,
        ip_range: body.ip_range ?? `10.${110 + state.vpcs.length}.0.0/20`,
        default: false,
        created_at: nowIso(),
      };
      state.vpcs.push(vpc);
      return { status: 201, body: { vpc } };
    },
  },
  {
    method: 'GET',
    template: '/v2/vpcs/{vpc_id}',
    operationId: 'vpcs_get',
    handle: ({ params, state }) => {
      const vpc = state.vpcs.find((candidate) => candidate.id === params.vpc_id);
      return vpc ? { status: 200, body: { vpc } } : notFound();
    },
  },
  {
    method: 'DELETE',
    template: '/v2/vpcs/{vpc_id}',
    operationId: 'vpcs_delete',
    handle: ({ params, state }) => {
      if (!state.vpcs.some((vpc) => vpc.id === params.vpc_id)) return notFound();
      // The real API refuses to delete a VPC that still has members.
      if (state.droplets.some((droplet) => droplet.vpc_uuid === params.vpc_id)) return apiError(403, 'forbidden', 'Can not delete VPC with members');
      state.vpcs = state.vpcs.filter((vpc) => vpc.id !== params.vpc_id);
      return { status: 204 };
    },
  },
];
