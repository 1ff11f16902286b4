import { loadState, StateStore, type State } from '../state/index.js';
import { localTarget } from '../targets/local.js';
import type { Target } from '../targets/target.js';
import { dropletNodes } from './deploy-droplets.js';
import { remoteTarget, type RemoteTargetOptions } from './remote.js';

/** Opens a Target on droplets (default `remoteTarget`: SSH with the project's key); tests pass their own. */
export type ConnectNodes = (options: RemoteTargetOptions) => Promise<{ target: Target; dispose(): Promise<void> }>;

/** The project has no swarm to talk to (never applied); `hint` says what to do. */
export class NotDeployedError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'NotDeployedError';
  }
}

/** A manager of the deployed project, the target that reaches it, and a way to close what reaching it opened. */
export interface ManagerAccess {
  target: Target;
  /** The node name to ask `target.shell` for: `local`, or the first manager droplet. */
  manager: string;
  dispose(): Promise<void>;
}

/**
 * Reaches a manager of the project the state records: this machine's engine for a project applied
 * with `--target local` (or when `target` says `local`), else the first manager droplet over SSH
 * (the project's key, host keys pinned in the state). On the support server (its copy of the state says
 * `runsOn`) the manager is reached over the VPC, at its private address. `state` saves reading it again.
 */
export async function reachManager(options: { dir: string; project: string; target?: 'local'; state?: State; connect?: ConnectNodes }): Promise<ManagerAccess> {
  if (options.target === 'local') return { target: localTarget(), manager: 'local', dispose: async () => {} };
  const state = options.state ?? (await loadState(options.dir, options.project));
  if (state.target === 'local') return { target: localTarget(), manager: 'local', dispose: async () => {} };
  const here = state.runsOn;
  const manager = dropletNodes(state, here ? 'private' : 'public').find((node) => node.role === 'manager');
  if (state.target !== 'digitalocean' || !manager) {
    throw new NotDeployedError(`${options.project} is not deployed`, 'Run swarm-wiz apply first (or apply --target local to try it on this machine).');
  }
  const connect = options.connect ?? remoteTarget;
  const remote = await connect({ dir: options.dir, store: new StateStore(options.dir, state), nodes: [manager], ...(here ? { local: here } : {}) });
  return { target: remote.target, manager: manager.name, dispose: remote.dispose };
}
