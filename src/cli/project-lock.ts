import { ProjectLockedError, withProjectLock } from '../adapters/project-lock.js';
import { CliExit, EXIT } from './exit.js';

/**
 * Runs a command's work holding the project's lock `name` (`<dir>/.swarm-wiz/<name>.lock`): when
 * another swarm-wiz holds it, the command stops at once with exit 1 saying so.
 */
export function withCommandLock<T>(dir: string, name: string, fn: () => Promise<T>): Promise<T> {
  return lockedOut(() => withProjectLock(dir, name, fn));
}

/** Runs `fn` (a use case that takes a project lock itself): a lock another swarm-wiz holds stops the command with exit 1. */
export async function lockedOut<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ProjectLockedError) throw new CliExit(EXIT.failure, error.message);
    throw error;
  }
}
