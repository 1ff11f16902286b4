import { existsSync } from 'node:fs';
import { sshKeyPath } from '../adapters/ssh-key.js';
import { reachable } from '../commands/index.js';
import { StateStore, type State } from '../state/index.js';
import type { SupportView } from '../status/snapshot.js';
import { errorLine, remoteLine } from '../text/remote-text.js';
import { dropletNodes } from './deploy-droplets.js';
import type { ConnectNodes } from './manager.js';

/** How long the support droplet has to answer `true` over SSH. */
export const DEFAULT_SUPPORT_TIMEOUT_MS = 10_000;

/** The support droplet is asked from anywhere but itself (its crontab runs the check there), and not for --target local. */
export const asksSupport = (state: State | undefined, target: 'local' | undefined): state is State => target !== 'local' && state?.target === 'digitalocean' && state.runsOn === undefined;

/**
 * Whether the support droplet answers over SSH (`true`, within the limit), at its public address with
 * the project's key and the host key the state pins. Undefined when the state records no support droplet.
 */
export async function supportAnswer(dir: string, state: State, connect: ConnectNodes, limitMs: number): Promise<SupportView | undefined> {
  const recorded = state.cloud.droplets.find((droplet) => droplet.role === 'support');
  if (!recorded) return undefined;
  const name = recorded.name;
  const node = dropletNodes(state).find((candidate) => candidate.role === 'support');
  if (!node) return { name, state: 'unreachable', error: `the state records it ${recorded.status}, without a public address` };
  if (!existsSync(sshKeyPath(dir))) return { name, state: 'unreachable', error: `no SSH key at ${sshKeyPath(dir)} to reach it with` };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limitMs);
  try {
    const remote = await connect({ dir, store: new StateStore(dir, state), nodes: [node] });
    try {
      const answer = await remote.target.shell(name).probe(reachable, { signal: abort.signal, timeoutMs: limitMs });
      if (answer.exitCode === 0) return { name, state: 'ok' };
      return { name, state: 'unreachable', error: remoteLine(answer.stderr.trim().split('\n').pop() || `exit ${answer.exitCode}`) };
    } finally {
      await remote.dispose();
    }
  } catch (error) {
    return { name, state: 'unreachable', error: abort.signal.aborted ? `no answer within ${limitMs / 1000} s` : remoteLine(errorLine(error)) };
  } finally {
    clearTimeout(timer);
  }
}
