import type { Config } from '../config/index.js';
import { loadState, StateStore } from '../state/index.js';
import { localTarget } from '../targets/local.js';
import type { Target } from '../targets/target.js';
import { dropletNodes } from './apply-droplets.js';
import { remoteTarget } from './remote.js';

/** No manager of the project can be reached (nothing deployed, no swarm recorded); `hint` says what to do. */
export class NotDeployedError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'NotDeployedError';
  }
}

export interface ManagerAccess {
  target: Target;
  /** The node name to ask the target's shell for. */
  manager: string;
  /** Closes what reaching it opened (the shared SSH connection). */
  dispose(): Promise<void>;
}

/**
 * A manager of the project: this machine's engine when the project runs here (state.json says
 * `local`, or `local` is asked for: `--target local`), else the first manager droplet the state records,
 * over SSH with the project's key and pinned host key.
 */
export async function managerOf(dir: string, config: Config, options: { local?: boolean } = {}): Promise<ManagerAccess> {
  const state = await loadState(dir, config.project);
  if (options.local || state.target === 'local') return { target: localTarget(), manager: 'local', dispose: async () => {} };
  const manager = dropletNodes(state).find((node) => node.role === 'manager');
  if (state.target !== 'digitalocean' || !manager) {
    throw new NotDeployedError(`${config.project} is not deployed`, 'Run swarm-wiz apply first (or apply --target local to try it on this machine).');
  }
  const remote = await remoteTarget({ dir, store: new StateStore(dir, state), nodes: [manager] });
  return { target: remote.target, manager: manager.name, dispose: remote.dispose };
}
