import { hostAddresses, localAddresses } from '../adapters/dns/host-addresses.js';
import type { Config } from '../config/index.js';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../config/fs-atomic.js';
import { configFromYaml, withAddedSite } from '../config/index.js';
import { addDomainDelta, addDomainPlanLines, type AddDomainDelta } from '../plan/add-domain.js';
import { zoneOf } from '../config/domain-name.js';
import { recordedIp } from '../plan/dns.js';
import type { CloudCredentials } from './credentials.js';
import { entrypoints } from '../plan/names.js';
import type { State } from '../state/index.js';

/** What a new host's DNS says, against where it must point. */
export interface DnsCheck {
  host: string;
  /** The addresses it must resolve to (empty when not known yet). */
  expected: string[];
  /** Where those come from, in words ("this machine", "the public IP of demo-manager-1"). */
  expectedFrom: string;
  /** Its A and AAAA records. */
  found: string[];
  /** ok: points only there; wrong / none: not yet; unknown: the entry does not exist yet (checked by the certificate preflight later). */
  verdict: 'ok' | 'wrong' | 'none' | 'unknown';
  /** One line for the user. */
  line: string;
}

export interface DnsCheckOptions {
  config: Config;
  state: State;
  delta: Pick<AddDomainDelta, 'certificate'>;
  /** DNS servers to ask instead of the system's (IP[:PORT]). */
  dnsServers?: string[];
  /** Hosts whose A record swarm-wiz itself creates (a DigitalOcean zone): not checked. */
  managedHosts?: ReadonlySet<string>;
  lookup?: (host: string, servers?: readonly string[]) => Promise<string[]>;
  local?: () => string[];
}

/**
 * Checks, before anything changes, that each new host already points at the entry address the topology
 * gives it: on `--target local` any address of this machine, on droplets the recorded IP of its droplet
 * or load balancer. Every record must point there: the CA may pick any of them.
 */
export async function checkNewHostsDns(options: DnsCheckOptions): Promise<DnsCheck[]> {
  const { config, state } = options;
  const lookup = options.lookup ?? hostAddresses;
  const targets = new Map(entrypoints(config).map((entry) => [entry.host, entry.target]));
  return Promise.all(
    options.delta.certificate.map(async (host): Promise<DnsCheck> => {
      const local = state.target === 'local';
      const target = targets.get(host);
      const recorded = !local && target ? recordedIp(target, state) : undefined;
      const expected = local ? (options.local ?? localAddresses)() : recorded ? [recorded] : [];
      const name = target ? ('droplet' in target ? target.droplet : target.loadBalancer) : 'its entry';
      const expectedFrom = local ? 'this machine' : recorded ? `${recorded} (${name})` : `${name}, which does not exist yet`;
      if (options.managedHosts?.has(host)) {
        return { host, expected, expectedFrom, found: [], verdict: 'unknown', line: `${host}: its zone is in DigitalOcean; swarm-wiz creates its A record → ${expectedFrom}` };
      }
      if (expected.length === 0) {
        // Nothing to compare with yet: the certificate preflight checks it once the entry exists.
        return { host, expected, expectedFrom, found: [], verdict: 'unknown', line: `${host}: must point to ${expectedFrom}; checked before its certificate is ordered` };
      }
      const found = await lookup(host, options.dnsServers).catch(() => []);
      if (found.length === 0) {
        return { host, expected, expectedFrom, found, verdict: 'none', line: `${host} has no A or AAAA record: create A ${host} → ${local ? "this machine's public IP" : expected[0]}` };
      }
      const stray = found.filter((address) => !expected.includes(address));
      if (stray.length > 0) {
        return { host, expected, expectedFrom, found, verdict: 'wrong', line: `${host} points to ${stray.join(', ')}, not to ${expectedFrom}: change its record${stray.length > 1 ? 's' : ''} (the CA may use any of them)` };
      }
      return { host, expected, expectedFrom, found, verdict: 'ok', line: `${host} → ${found.join(', ')} (${local ? 'this machine' : name})` };
    }),
  );
}

/** What adding a site changes, before anything does: the delta and its lines for the person. */
export function addDomainPreview(config: Config, grown: Config): { delta: AddDomainDelta; lines: string[] } {
  const delta = addDomainDelta(config, grown);
  return { delta, lines: addDomainPlanLines(delta, grown) };
}

/**
 * With a token, the new hosts whose zone DigitalOcean serves (host → zone): there swarm-wiz creates
 * the A records itself. None without a token or on --target local.
 */
export async function hostsInCloudZones(grown: Config, state: State, delta: AddDomainDelta, credentials: CloudCredentials): Promise<Map<string, string>> {
  const { token } = credentials;
  if (!token || state.target === 'local') return new Map();
  const { lookUpCloud } = await import('./cloud-lookup.js');
  const zones = (await lookUpCloud(grown, state, { ...credentials, token })).facts.dnsZones ?? [];
  return new Map(
    delta.entries.flatMap((entry) => {
      const zone = zoneOf(entry.host, zones);
      return zone ? [[entry.host, zone] as const] : [];
    }),
  );
}

/** swarm-wiz.yaml with the site added (its comments and layout kept), checked before it replaces the old one. */
export async function saveWithAddedSite(configPath: string, site: Record<string, unknown>, workers: number | undefined): Promise<void> {
  const text = withAddedSite(await readFile(configPath, 'utf8'), site, workers);
  configFromYaml(text, configPath);
  await writeFileAtomic(configPath, text);
}
