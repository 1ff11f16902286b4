import type { Config } from '../config/index.js';
import type { CliIo } from './io.js';

export interface ProvisionRequest {
  config: Config;
  /** Project directory (state goes to <dir>/.swarm-wiz/state.json). */
  dir: string;
  /** DigitalOcean API token; in memory only, never printed or written. */
  token: string;
  io: CliIo;
  verbose: boolean;
}

export type Provision = (request: ProvisionRequest) => Promise<void>;

/**
 * SEAM for the provisioning engine: `runApply` in src/run (droplets, swarm, stack, certificates).
 * Until it is wired here, apply with a token stops before writing anything and says so;
 * it never pretends to have created cloud resources.
 */
export function provisioningEngine(): Provision | undefined {
  return undefined;
}

export const PROVISIONING_MISSING =
  'Provisioning with a DigitalOcean token is not available in this build yet (the executor in src/run is not wired into the CLI). ' +
  'Nothing was written or created. Unset DIGITALOCEAN_TOKEN to run plan-only.';
