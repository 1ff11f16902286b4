import type { Config } from '../config/index.js';
import type { DropletRole, State } from '../state/index.js';
import { DROPLET_IMAGE, edgeDroplets, edgeTag, managerName, projectTag, roleTag, stepId, supportName, workerName, WORKER_NODE_TAG } from './names.js';
import type { DropletStep } from './types.js';

interface DesiredDroplet {
  name: string;
  role: DropletRole;
  tags: string[];
}

/** Managers, then workers, then the support server, each with its tags. */
export function desiredDroplets(config: Config): DesiredDroplet[] {
  const edge = edgeDroplets(config);
  const withTags = (name: string, role: DropletRole): DesiredDroplet => {
    const tags = [projectTag(config.project), roleTag(config.project, role)];
    if (role === 'worker') tags.push(WORKER_NODE_TAG);
    if (edge.has(name)) tags.push(edgeTag(config.project));
    return { name, role, tags };
  };
  return [
    ...Array.from({ length: config.managers }, (_, i) => withTags(managerName(config.project, i + 1), 'manager')),
    ...Array.from({ length: config.workers }, (_, i) => withTags(workerName(config.project, i + 1), 'worker')),
    withTags(supportName(config.project), 'support'),
  ];
}

const sameTags = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/**
 * Droplets are matched by name. A droplet whose size or region changed is not resized in place
 * (that reboots a swarm node): the step says so and the user decides.
 */
export function planDroplets(config: Config, state: State): DropletStep[] {
  const recorded = new Map(state.cloud.droplets.map((d) => [d.name, d]));
  const steps: DropletStep[] = desiredDroplets(config).map((want) => {
    const have = recorded.get(want.name);
    const base = { kind: 'droplet' as const, id: stepId('droplet', want.name), name: want.name, role: want.role, region: config.region, size: config.size, image: DROPLET_IMAGE, tags: want.tags };
    if (!have) {
      return { ...base, op: 'create', description: `${want.role} droplet ${want.name} (${config.size}, ${config.region}, ${DROPLET_IMAGE}) tags ${want.tags.join(', ')}` };
    }
    const drift: string[] = [];
    if (have.size !== config.size) drift.push(`size is ${have.size}, config says ${config.size}: resize it in the DigitalOcean console`);
    if (have.region !== config.region) drift.push(`region is ${have.region}, config says ${config.region}: destroy and apply to move`);
    const where = have.publicIpv4 ? `, ${have.publicIpv4}` : '';
    const notes = drift.length > 0 ? `; ${drift.join('; ')}` : '';
    const warning = drift.length > 0 ? { warning: drift.join('; ') } : {};
    if (!sameTags(have.tags, want.tags)) {
      const addTags = want.tags.filter((t) => !have.tags.includes(t));
      const removeTags = have.tags.filter((t) => !want.tags.includes(t));
      const change = [...addTags.map((t) => `+${t}`), ...removeTags.map((t) => `-${t}`)].join(' ');
      return { ...base, ...warning, op: 'update', recordedId: have.id, addTags, removeTags, description: `${want.role} droplet ${want.name} (id ${have.id}${where}): tags ${change}${notes}` };
    }
    return { ...base, ...warning, op: 'same', recordedId: have.id, description: `${want.role} droplet ${want.name} (id ${have.id}${where})${notes}` };
  });
  const wanted = new Set(steps.map((s) => s.name));
  for (const have of state.cloud.droplets) {
    if (wanted.has(have.name)) continue;
    steps.push({
      kind: 'droplet',
      op: 'delete',
      id: stepId('droplet', have.name),
      name: have.name,
      role: have.role,
      region: have.region,
      size: have.size,
      image: DROPLET_IMAGE,
      tags: have.tags,
      recordedId: have.id,
      description: `${have.role} droplet ${have.name} (id ${have.id}) is no longer in the config`,
    });
  }
  return steps;
}
