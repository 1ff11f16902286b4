import type { Config } from '../config/index.js';
import { renderProjectFiles } from '../../recipes/index.js';
import { DROPLET_ROLES, type DropletRole } from '../state/index.js';

/** The recipes' cloud-init for each droplet role (`cloud-init/manager.yaml`, …), as user_data. */
export function userDataFor(config: Config): Record<DropletRole, string> {
  const files = renderProjectFiles(config);
  const out = {} as Record<DropletRole, string>;
  for (const role of DROPLET_ROLES) {
    const file = files.find((f) => f.path === `cloud-init/${role}.yaml`);
    if (!file) throw new Error(`the recipes render no cloud-init/${role}.yaml, so ${role} droplets would boot unconfigured`);
    out[role] = file.content;
  }
  return out;
}
