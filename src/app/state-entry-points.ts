import type { EntryPoint, EntryPoints } from '../adapters/acme/preflight.js';
import type { Config } from '../config/index.js';
import { entrypoints } from '../plan/names.js';
import { recordedIp } from '../plan/dns.js';
import type { State } from '../state/index.js';

/**
 * Where each host enters according to what swarm-wiz created (state.json): the droplet or load
 * balancer its A record points to. Hosts with no recorded IP (plan-only, not yet provisioned)
 * fall back to `fallback` (their A records).
 */
export function entryPointsFromState(config: Config, state: State, port: number, fallback: EntryPoints): EntryPoints {
  const byHost = new Map<string, EntryPoint[]>();
  for (const { host, target } of entrypoints(config)) {
    const address = recordedIp(target, state);
    if (address) byHost.set(host, [{ address, port }]);
  }
  return async (host) => byHost.get(host) ?? fallback(host);
}
