import type { FakeState } from '../state.js';
import { apiError, notFound, paginate, type Route, type RouteContext, type RouteResult } from './route.js';

function tagJson(state: FakeState, name: string): Record<string, unknown> {
  const droplets = state.droplets.filter((droplet) => droplet.tags.includes(name));
  return {
    name,
    resources: {
      count: droplets.length,
      droplets: { count: droplets.length },
      images: { count: 0 },
      volumes: { count: 0 },
      volume_snapshots: { count: 0 },
      databases: { count: 0 },
    },
  };
}

interface TagResource {
  resource_id: string;
  resource_type: string;
}

/**
 * POST / DELETE /v2/tags/{tag_id}/resources. Like the real API: the tag must exist (404 otherwise,
 * the API does not create it here), an empty `resources` is a 400, and every resource must exist
 * before anything changes (the fake holds only droplets, so any other type is not found). Tagging
 * a droplet that has the tag, or untagging one that has not, changes nothing and still answers 204.
 */
function changeTagResources(change: 'assign' | 'unassign') {
  return ({ params, body, state }: RouteContext): RouteResult => {
    const tag = params.tag_id!;
    if (!state.tags.includes(tag)) return notFound();
    const resources: TagResource[] = body?.resources ?? [];
    if (resources.length === 0) return apiError(400, 'parameter_missing', 'param is missing or the value is empty: resources');
    const droplets = resources.map((resource) => (resource.resource_type === 'droplet' ? state.droplets.find((droplet) => String(droplet.id) === resource.resource_id) : undefined));
    if (droplets.some((droplet) => droplet === undefined)) return notFound();
    for (const droplet of droplets) {
      if (change === 'assign' && !droplet!.tags.includes(tag)) droplet!.tags.push(tag);
      if (change === 'unassign') droplet!.tags = droplet!.tags.filter((existing) => existing !== tag);
    }
    return { status: 204 };
  };
}

export const tagRoutes: Route[] = [
  {
    method: 'GET',
    template: '/v2/tags',
    operationId: 'tags_list',
    handle: (context) => paginate(context, 'tags', context.state.tags.map((name) => tagJson(context.state, name))),
  },
  {
    method: 'POST',
    template: '/v2/tags',
    operationId: 'tags_create',
    // Like the real API, creating a tag that exists answers 201 with the existing tag.
    handle: ({ body, state }) => {
      if (!state.tags.includes(body.name)) state.tags.push(body.name);
      return { status: 201, body: { tag: tagJson(state, body.name) } };
    },
  },
  {
    method: 'GET',
    template: '/v2/tags/{tag_id}',
    operationId: 'tags_get',
    handle: ({ params, state }) => (state.tags.includes(params.tag_id!) ? { status: 200, body: { tag: tagJson(state, params.tag_id!) } } : notFound()),
  },
  {
    method: 'DELETE',
    template: '/v2/tags/{tag_id}',
    operationId: 'tags_delete',
    handle: ({ params, state }) => {
      if (!state.tags.includes(params.tag_id!)) return notFound();
      state.tags = state.tags.filter((tag) => tag !== params.tag_id);
      for (const droplet of state.droplets) droplet.tags = droplet.tags.filter((tag) => tag !== params.tag_id);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    template: '/v2/tags/{tag_id}/resources',
    operationId: 'tags_assign_resources',
    handle: changeTagResources('assign'),
  },
  {
    method: 'DELETE',
    template: '/v2/tags/{tag_id}/resources',
    operationId: 'tags_unassign_resources',
    handle: changeTagResources('unassign'),
  },
];
