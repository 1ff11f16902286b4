import { withProjectLock } from '../../src/adapters/project-lock.js';

/**
 * Holds the project lock of `dir` as `command` until `release()`, from an async context of its own (so the
 * caller's calls are another run's); `held` resolves once it holds the lock, `done` when it let go.
 */
export function holdProjectLock(dir: string, command: string): { held: Promise<void>; release: () => void; done: Promise<string> } {
  let release!: () => void;
  let entered!: () => void;
  const held = new Promise<void>((resolve) => (entered = resolve));
  const done = withProjectLock(dir, command, async () => {
    entered();
    await new Promise<void>((resolve) => (release = resolve));
    return command;
  });
  return { held, release: () => release(), done };
}
