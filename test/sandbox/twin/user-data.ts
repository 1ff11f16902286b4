/**
 * What the twin's mirror must hold: the packages swarm-wiz's user-data asks for, read from the
 * user-data it renders (recipes/cloud-init.ts) for every droplet role, so a package added there is
 * served here without anyone keeping a list.
 */
import YAML from 'yaml';
import { renderCloudInit, type NodeRole } from '../../../recipes/cloud-init.js';
import { SEED_EXAMPLE } from '../../../src/config/example.js';
import { parseConfig } from '../../../src/config/parse.js';

export const ROLES: readonly NodeRole[] = ['manager', 'worker', 'support'];

/** The `packages:` of one user-data document (none when it has no such key). */
export function packagesOf(userData: string): string[] {
  const document = YAML.parse(userData) as { packages?: unknown } | null;
  const packages = document?.packages;
  return Array.isArray(packages) ? packages.map(String) : [];
}

/** The user-data swarm-wiz renders for `role` (the article's example project). */
export const userDataFor = (role: NodeRole): string => renderCloudInit(parseConfig(SEED_EXAMPLE), role);

/** Every package any role's user-data installs, sorted. */
export function projectPackages(): string[] {
  return [...new Set(ROLES.flatMap((role) => packagesOf(userDataFor(role))))].sort();
}
