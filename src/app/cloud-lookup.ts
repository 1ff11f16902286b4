import { createCloudApi } from '../adapters/digitalocean/index.js';
import type { Config } from '../config/index.js';
import type { PlanFacts, PricesMissing, SizePrices } from '../plan/index.js';
import { describeFailure } from '../run/index.js';
import type { State } from '../state/index.js';
import type { CloudCredentials } from './credentials.js';
import { RunFailed } from './errors.js';
import { readSizePrices } from './prices.js';
import { gatherFacts } from './provision.js';

/** What a look-up found: the state with the droplets found by tag or gone, and the facts the plan needs. */
export interface CloudLookup {
  state: State;
  facts: PlanFacts;
  /** Found under the project tag but missing from the state. */
  adopted: string[];
  /** In the state but gone from DigitalOcean. */
  vanished: string[];
  /** With `prices`: the droplet prices GET /v2/sizes lists, or why they are unknown. */
  prices?: SizePrices | PricesMissing;
}

interface LookUpOptions {
  /** Named in a failure: `checking the DigitalOcean account`. */
  what: string;
  /** The failure adds that nothing was written or created (said by the commands that would have). */
  nothingChanged: boolean;
  /** Reads the droplet prices too (the cost the plan and the review show). */
  prices?: boolean;
}

/**
 * Read-only look-up, when there is a token: checks the token (a bad one stops here, before anything
 * is written), which domains DigitalOcean DNS serves and which droplets exist, so the review (or
 * `plan`) shows what apply will really do, and with `prices` what the droplets cost. A failure is
 * RunFailed naming `what` and what to do (the prices alone failing is not one: they are then unknown).
 */
export async function lookUpCloud(
  config: Config,
  state: State,
  credentials: CloudCredentials & { token: string },
  said: LookUpOptions = { what: 'checking the DigitalOcean account', nothingChanged: true },
): Promise<CloudLookup> {
  const { token, apiUrl, operatorIp } = credentials;
  try {
    const cloud = createCloudApi({ token, ...(apiUrl ? { baseUrl: apiUrl } : {}) });
    const { facts, adopted, vanished, ...gathered } = await gatherFacts(cloud, config, state, operatorIp);
    // After the token is known to be good: a bad one is the look-up's failure, not the prices'.
    const prices = said.prices ? await readSizePrices(cloud) : undefined;
    return { state: gathered.state, facts, adopted, vanished, ...(prices ? { prices } : {}) };
  } catch (error) {
    const reason = describeFailure(said.what, error);
    throw new RunFailed([reason.message, reason.hint, ...(said.nothingChanged ? ['Nothing was written or created.'] : [])].join('\n'));
  }
}
