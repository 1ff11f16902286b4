import { saveState } from './file.js';
import type { State } from './schema.js';

/**
 * The state of one run, saved after every change. Changes are applied in order and each save is
 * awaited before the next starts, so parallel steps never interleave half-written files and the
 * file always holds every resource that exists by the time `update` resolves.
 */
export class StateStore {
  private current: State;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string, initial: State) {
    this.current = structuredClone(initial);
  }

  get state(): State {
    return this.current;
  }

  /** Applies `change` to a copy of the state and persists it; resolves once it is on disk. */
  update(change: (draft: State) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const draft = structuredClone(this.current);
      change(draft);
      await saveState(this.dir, draft);
      this.current = draft;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
