import { RequestAbandoned, type DigitalOceanRequest, type StopRequests } from '../adapters/digitalocean/index.js';
import { ApplyAborted } from '../run/failure.js';
import { loadState, StateStore } from '../state/index.js';

/**
 * Runs `work` (a use case talking to the DigitalOcean API) so that stopping it with `signal` (Ctrl-C,
 * SIGTERM) never waits for a hung request: `work` gets the StopRequests for its API client (requests in
 * flight get 1 s, then are abandoned). When the run stops, the requests left unanswered (each may have
 * taken effect) are named in the state's `interrupted`, and ApplyAborted is thrown.
 */
export async function recordingUnanswered<T>(project: { dir: string; name: string }, signal: AbortSignal | undefined, work: (stop: StopRequests | undefined) => Promise<T>): Promise<T> {
  const unanswered: string[] = [];
  const stop = signal ? { signal, onAbandoned: (request: DigitalOceanRequest) => void unanswered.push(`${request.method} ${request.path}`) } : undefined;
  try {
    return await work(stop);
  } catch (error) {
    if (!(signal?.aborted && (error instanceof ApplyAborted || error instanceof RequestAbandoned || unanswered.length > 0))) throw error;
    if (unanswered.length > 0) {
      const store = new StateStore(project.dir, await loadState(project.dir, project.name));
      await store.update((s) => void (s.interrupted = { at: new Date().toISOString(), requests: unanswered }));
    }
    throw new ApplyAborted();
  }
}
