import { createCloudApi } from '../adapters/digitalocean/index.js';
import type { Config } from '../config/index.js';
import type { PlanFacts } from '../plan/index.js';
import { describeFailure } from '../run/index.js';
import type { State } from '../state/index.js';
import type { CloudCredentials } from './credentials.js';
import { RunFailed } from './errors.js';
import { gatherFacts } from './provision.js';

/**
 * Read-only look-up before the review, when there is a token: checks the token (a bad one stops
 * here, before anything is written), which domains DigitalOcean DNS serves and which droplets
 * exist, so the review shows what apply will really do.
 */
export async function lookUpCloud(config: Config, state: State, credentials: CloudCredentials & { token: string }): Promise<{ state: State; facts: PlanFacts }> {
  const { token, apiUrl, operatorIp } = credentials;
  try {
    const cloud = createCloudApi({ token, ...(apiUrl ? { baseUrl: apiUrl } : {}) });
    const gathered = await gatherFacts(cloud, config, state, operatorIp);
    return { state: gathered.state, facts: gathered.facts };
  } catch (error) {
    const reason = describeFailure('checking the DigitalOcean account', error);
    throw new RunFailed(`${reason.message}\n${reason.hint}\nNothing was written or created.`);
  }
}
