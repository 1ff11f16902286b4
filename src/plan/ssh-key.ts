import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';
import { sshKeyName, stepId } from './names.js';
import type { SshKeyStep } from './types.js';

/** The key swarm-wiz logs in to the droplets with (its private half stays in .swarm-wiz/, 0600). */
export function planSshKey(config: Config, state: State): SshKeyStep[] {
  const name = sshKeyName(config.project);
  const recorded = state.cloud.sshKey;
  return [
    {
      kind: 'ssh-key',
      op: recorded ? 'same' : 'create',
      id: stepId('ssh-key', name),
      name,
      description: recorded ? `SSH key ${name} (id ${recorded.id})` : `SSH key ${name} for swarm-wiz to reach the droplets (private half in .swarm-wiz/, 0600)`,
      ...(recorded ? { recordedId: recorded.id } : {}),
    },
  ];
}
