import { ProjectLockedError, withProjectLock } from '../adapters/project-lock.js';

export { ProjectLockedError };

/** The commands that change a project (its files, its state, its cloud resources or its swarm), as the lock names them. */
export type ProjectChange = 'apply' | 'add-domain' | 'renew' | 'destroy' | 'secret set' | 'deploy' | 'wizard' | 'restore';

/**
 * Runs a use case that changes the project in `dir` holding the project's one lock: a second command
 * that would change it stops at once with ProjectLockedError naming this one (pid, command, since).
 * Use cases called inside it (renew inside apply, apply inside add-domain) run under the same lock.
 * Read-only commands (plan, status, certs, secret ls) take none: every file is replaced atomically.
 */
export function changingProject<T>(dir: string, command: ProjectChange, work: () => Promise<T>): Promise<T> {
  return withProjectLock(dir, command, work);
}
