import { hostAddresses, localAddresses } from '../adapters/dns/host-addresses.js';
import type { Config } from '../config/index.js';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../config/fs-atomic.js';
import { configFromYaml, parseConfig, withAddedSite, type ConfigInput } from '../config/index.js';
import { addDomainDelta, addDomainPlanLines, type AddDomainDelta } from '../plan/add-domain.js';
import { zoneOf } from '../config/domain-name.js';
import { recordedIp } from '../plan/dns.js';
import type { ApplyRequest } from './apply.js';
import type { CloudCredentials } from './credentials.js';
import { RunFailed } from './errors.js';
import { changingProject } from './project-lock.js';
import { inspectProjectFiles, projectFiles, stopIfEdited, type FileInspection, type OnEditChoice } from './project-files.js';
import { loadProjectState } from './project-state.js';
import type { OnEdit } from './plan-text.js';
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

/** The site to add, as the flags give it (the config check names any bad value by its key). */
export type SiteInput = ConfigInput['sites'][number];

export interface AddDomainRequest {
  configPath: string;
  dir: string;
  /** The site from the flags; without one, `io.askSite` asks. */
  site?: SiteInput;
  /** --workers; default: what the topology needs (per-domain: one worker per domain). */
  workers?: number;
  /** Stop when the new hosts do not point at the entry address yet (--no-dns-check: warn and go on). */
  dnsCheck: boolean;
  dnsServers?: string[];
  caCertFile?: string;
  /** --on-edit, for the file check here and the apply that follows. */
  onEdit?: OnEdit;
  credentials: CloudCredentials;
}

/** What add-domain shows before anything changes. */
export interface AddDomainPreview {
  delta: AddDomainDelta;
  /** The delta in words, a line each. */
  lines: string[];
  /** New hosts whose A record swarm-wiz creates itself (host → its DigitalOcean zone). */
  managed: ReadonlyMap<string, string>;
  dns: DnsCheck[];
}

export interface AddDomainIo {
  /** Asks for the site (a terminal's questions): the config grown by it. */
  askSite: (config: Config) => Promise<Config>;
  /** Shows the change and the DNS check, before anything changes. */
  show: (preview: AddDomainPreview) => void;
  /** What to do with generated files edited by hand (the flag, the remembered choice, a question, or stop). */
  decideEdits: (inspection: FileInspection, flag: OnEdit | undefined) => Promise<OnEditChoice>;
  /** The last word before swarm-wiz.yaml changes; throws Cancelled for a no. */
  confirm: (domain: string) => Promise<void>;
  /** swarm-wiz.yaml was saved with the site. */
  saved: (domain: string) => void;
  warn: (line: string) => void;
  /** Applies the grown project (as `apply --yes` does, shown as apply shows it). */
  apply: (request: ApplyRequest) => Promise<void>;
}

/**
 * `swarm-wiz add-domain`: under the project lock (from before swarm-wiz.yaml is read until the apply
 * inside has written its last file), the grown config, the delta and the DNS check shown before
 * anything changes, a confirmation, then swarm-wiz.yaml (comments kept) and apply for the rest —
 * which deploys only what changed: the new services, the proxy files reloaded in place, one certificate.
 */
export function addDomain(request: AddDomainRequest, io: AddDomainIo): Promise<void> {
  return changingProject(request.dir, 'add-domain', () => addDomainHeld(request, io));
}

async function addDomainHeld(request: AddDomainRequest, io: AddDomainIo): Promise<void> {
  const { loadConfig, siteInput } = await import('../config/index.js');
  const config = await loadConfig(request.configPath);
  const state = await loadProjectState(request.dir, config.project, io.warn);
  const grown = request.site ? grownBy(config, request.site, request.workers, request.configPath) : await io.askSite(config);
  const site = request.site ?? (siteInput(grown.sites.at(-1)!) as SiteInput);
  const preview = await previewAddition(config, grown, state, request);
  io.show(preview);
  stopUnlessDnsReady(preview.dns, request.dnsCheck, io.warn);
  // A generated file edited by hand stops the change before swarm-wiz.yaml is saved (or is kept as .orig, as chosen).
  const inspection = await inspectProjectFiles(request.dir, projectFiles(grown, state));
  await stopIfEdited(request.dir, inspection, await io.decideEdits(inspection, request.onEdit));
  await io.confirm(preview.delta.site.domain);
  await saveWithAddedSite(request.configPath, site as Record<string, unknown>, grown.workers !== config.workers ? grown.workers : undefined);
  io.saved(preview.delta.site.domain);
  if (state.target !== 'local' && preview.delta.newDroplets.length > 0 && !request.credentials.token) {
    io.warn(`Note: ${preview.delta.newDroplets.join(', ')} must be created in DigitalOcean: set DIGITALOCEAN_TOKEN and run swarm-wiz apply --yes.`);
  }
  await io.apply({
    config: { from: 'file', path: request.configPath },
    dir: request.dir,
    target: state.target === 'local' ? 'local' : request.credentials.token ? 'digitalocean' : 'plan-only',
    cloudOnly: false,
    credentials: request.credentials,
    ...(request.onEdit ? { onEdit: request.onEdit } : {}),
    ...(request.caCertFile ? { caCertFile: request.caCertFile } : {}),
    ...(request.dnsServers && grown.certificates.challenge === 'dns-01' ? { dnsServers: request.dnsServers } : {}),
  });
}

/** The config with the site added, and per-domain's one worker per domain unless --workers says otherwise. */
function grownBy(config: Config, site: SiteInput, workers: number | undefined, configPath: string): Config {
  const needed = config.topology === 'per-domain' ? Math.max(config.workers, config.sites.length + 1) : config.workers;
  return parseConfig({ ...config, workers: workers ?? needed, sites: [...config.sites, site] }, configPath);
}

async function previewAddition(config: Config, grown: Config, state: State, request: AddDomainRequest): Promise<AddDomainPreview> {
  const { delta, lines } = addDomainPreview(config, grown);
  // With a token, the zones DigitalOcean serves: there swarm-wiz creates the new A records itself.
  const managed = await hostsInCloudZones(grown, state, delta, request.credentials);
  const dns = await checkNewHostsDns({ config: grown, state, delta, managedHosts: new Set(managed.keys()), ...(request.dnsServers ? { dnsServers: request.dnsServers } : {}) });
  return { delta, lines, managed, dns };
}

/** New hosts that do not point at the entry address yet stop the change (RunFailed), or only warn with --no-dns-check. */
function stopUnlessDnsReady(dns: readonly DnsCheck[], dnsCheck: boolean, warn: (line: string) => void): void {
  const notYet = dns.filter((check) => check.verdict === 'wrong' || check.verdict === 'none');
  if (notYet.length === 0) return;
  if (dnsCheck) {
    throw new RunFailed(
      `${notYet.map((check) => check.host).join(', ')} ${notYet.length === 1 ? 'does' : 'do'} not point at the entry address yet: nothing was changed. Fix the record${notYet.length === 1 ? '' : 's'} (DNS may take a while to update) and run add-domain again, or pass --no-dns-check to apply anyway.`,
    );
  }
  warn('Warning: --no-dns-check: applying although DNS does not point here yet; the certificate order fails until it does, and the other domains keep theirs.');
}
