import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';
import { edgeTag, projectTag, roleTag, stepId, WORKER_NODE_TAG } from './names.js';
import type { TagStep } from './types.js';

/** Tags must exist before a firewall or load balancer can target them. */
export function desiredTags(config: Config): string[] {
  const tags = [projectTag(config.project), roleTag(config.project, 'manager')];
  if (config.workers > 0) tags.push(roleTag(config.project, 'worker'), WORKER_NODE_TAG);
  tags.push(roleTag(config.project, 'support'), edgeTag(config.project));
  return tags;
}

/**
 * Tags are never deleted: DigitalOcean removes nothing but the name, and `worker-node` may be
 * shared with the user's other droplets.
 */
export function planTags(config: Config, state: State): TagStep[] {
  const recorded = new Set(state.cloud.tags);
  return desiredTags(config).map((name) => ({
    kind: 'tag',
    op: recorded.has(name) ? 'same' : 'create',
    id: stepId('tag', name),
    name,
    description: `tag ${name}`,
  }));
}
