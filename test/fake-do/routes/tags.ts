import type { FakeState } from '../state.js';
import { notFound, paginate, type Route } from './route.js';

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
];
