import { declaredSecrets, secretVariable } from '../../recipes/names.js';
import { newestVersions, parseSecretVersions, secretVersions, type SecretVersion } from '../commands/index.js';
import type { Config } from '../config/index.js';
import type { Shell } from '../targets/target.js';

/** Every stored version of the project's secrets, read on a manager (names and labels only: Swarm never returns a value). */
export async function currentSecretVersions(shell: Shell, project: string, signal?: AbortSignal): Promise<SecretVersion[]> {
  return parseSecretVersions((await shell.run(secretVersions(project), signal ? { signal } : {})).stdout);
}

/**
 * What `docker stack deploy` interpolates for the declared secrets: SWARM_WIZ_SECRET_<NAME> → the newest
 * stored version of each (as deploy_stack.sh picks it), and the names that have none yet.
 */
export function secretEnv(config: Pick<Config, 'sites'>, versions: readonly SecretVersion[]): { env: Record<string, string>; missing: string[] } {
  const newest = newestVersions(versions);
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of declaredSecrets(config)) {
    const found = newest.get(name);
    if (found) env[secretVariable(name)] = found.swarmName;
    else missing.push(name);
  }
  return { env, missing };
}
