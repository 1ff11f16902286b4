import { readFile } from 'node:fs/promises';
import { directoryUrlFor } from '../adapters/acme/account-key.js';
import { dnsEntryPoints } from '../adapters/acme/entry-points.js';
import type { EntryPoint } from '../adapters/acme/preflight.js';
import { CertificateStore } from '../adapters/certificate-store.js';
import { networkReason, probeHttps } from '../adapters/https-probe.js';
import { probeTls } from '../adapters/tls-probe.js';
import { certificateStatus } from '../certs/cert-status.js';
import { siteNamesOf } from '../certs/sites.js';
import { entryPointsFromState } from './state-entry-points.js';

// The snapshot as `status` shows it: its problems (the exit code) and its --json form.
export { problemsOf, snapshotJson } from '../status/snapshot.js';
import type { Config } from '../config/index.js';
import { loadState, type State } from '../state/index.js';
import { pendingSnapshot, servedKey, servedRowOf, type ProbeAnswers, type ServedRow, type StatusSnapshot } from '../status/snapshot.js';
import { backupFacts } from './backup-files.js';
import { clusterFacts } from './cluster-facts.js';
import { withinMs } from './within.js';
import type { ConnectNodes } from './manager.js';
import { remoteTarget } from './remote.js';
import { asksSupport, DEFAULT_SUPPORT_TIMEOUT_MS, supportAnswer } from './support-answer.js';

export { DEFAULT_CLUSTER_TIMEOUT_MS } from './cluster-facts.js';

export interface ProjectStatusOptions {
  config: Config;
  dir: string;
  /** `local`: ask this machine's engine whatever the state says. */
  target?: 'local';
  /** Probe these entry addresses instead of where the state (else DNS) says each domain enters. */
  entries?: EntryPoint[];
  dnsServers?: string[];
  /** A PEM file with the root to verify served certificates against (a test CA). */
  caCertFile?: string;
  /** Connect to the entry addresses (default true). */
  probe?: boolean;
  /** Each probe's limit (TLS handshake; HTTPS GET): default 5 s. */
  probeTimeoutMs?: number;
  /** The cluster query's own limit (SSH to the manager and every docker command): default 15 s. */
  clusterTimeoutMs?: number;
  /** The support droplet's limit to answer over SSH: default 10 s. */
  supportTimeoutMs?: number;
  /** How droplets are reached (default: SSH with the project's key); tests pass their own. */
  connect?: ConnectNodes;
  /** Called with a new snapshot each time an answer arrives. */
  onUpdate?(snapshot: StatusSnapshot): void;
  /** The previous round (`--watch`): its rows stay shown until their new answers arrive. */
  previous?: StatusSnapshot;
  now?: Date;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;

/**
 * `swarm-wiz status`: the nodes and the stack as a manager sees them, what every entry address serves
 * for every domain (the certificate with SNI, and `GET /`), and the stored certificates. Everything is
 * asked at once; each answer makes a new snapshot (`onUpdate`), so a dead node or entry never holds
 * up the others. Every probe has its own limit and the cluster query its own, so the whole takes at
 * most the larger of the two. A manager that cannot be reached is a row saying so, not a failure.
 * Prints nothing; resolves with the final snapshot.
 */
export async function projectStatus(options: ProjectStatusOptions): Promise<StatusSnapshot> {
  const { config, dir } = options;
  const now = options.now ?? new Date();
  const probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  let snapshot = pendingSnapshot(config.project, now, options.previous);
  const update = (change: (current: StatusSnapshot) => StatusSnapshot) => {
    snapshot = change(snapshot);
    options.onUpdate?.(snapshot);
  };
  options.onUpdate?.(snapshot);

  const state = await loadState(dir, config.project).catch(() => undefined);
  const store = new CertificateStore(dir);
  const sites = siteNamesOf(config);

  const certificates = certificateStatus({ sites, store, now, caDirectoryUrl: directoryUrlFor(config.certificates.ca) }).then((rows) => update((s) => ({ ...s, certificates: rows })));

  const cluster = clusterFacts({ config, dir, ...(options.target ? { target: options.target } : {}), ...(state ? { state } : {}), ...(options.connect ? { connect: options.connect } : {}), ...(options.clusterTimeoutMs !== undefined ? { timeoutMs: options.clusterTimeoutMs } : {}) }).then((facts) =>
    update((s) => ({ ...s, ...facts })),
  );

  const served = (async () => {
    if (options.probe === false) return update((s) => ({ ...s, served: [] }));
    const ca = options.caCertFile ? await readFile(options.caCertFile, 'utf8') : undefined;
    const stored = new Map(await Promise.all(sites.map(async (site) => [site.domain, (await store.readMeta(site.domain).catch(() => undefined))?.serial] as const)));
    const { pairs, failures } = await entryPairs(options, state, probeTimeoutMs);
    // A watch's previous round stays on screen until each new answer replaces it.
    const previous = new Map((options.previous?.served ?? []).map((row) => [servedKey(row), row]));
    const answers = new Map<string, ProbeAnswers>();
    const rowOf = ({ entry, domain }: { entry: EntryPoint; domain: string }): ServedRow => {
      const where = { address: entry.address, port: entry.port, domain, ...(stored.get(domain) ? { storedSerial: stored.get(domain) } : {}) };
      const fresh = servedRowOf(where, answers.get(servedKey({ entry: `${entry.address}:${entry.port}`, domain })) ?? {}, now);
      const before = previous.get(servedKey(fresh));
      return fresh.pending.length === 2 && before ? { ...before, pending: fresh.pending } : fresh;
    };
    update((s) => ({ ...s, served: [...pairs.map(rowOf), ...failures] }));
    const answered = (pair: { entry: EntryPoint; domain: string }, answer: ProbeAnswers) => {
      const key = servedKey({ entry: `${pair.entry.address}:${pair.entry.port}`, domain: pair.domain });
      answers.set(key, { ...answers.get(key), ...answer });
      const row = rowOf(pair);
      update((s) => ({ ...s, served: s.served.map((old) => (servedKey(old) === key ? row : old)) }));
    };
    await Promise.all(
      pairs.flatMap((pair) => [
        probeTls({ address: pair.entry.address, port: pair.entry.port, servername: pair.domain, ca, timeoutMs: probeTimeoutMs }).then((live) =>
          answered(pair, { tls: { ...live, ...(live.error ? { error: tlsReason(live.error) } : {}) } }),
        ),
        probeHttps({ address: pair.entry.address, port: pair.entry.port, host: pair.domain, ca, timeoutMs: probeTimeoutMs }).then((http) => answered(pair, { http })),
      ]),
    );
  })();

  // The support droplet, where the renewals and the daily backups run: answering over SSH or not
  // (deleted in the panel, say), and the backup runs it recorded.
  const support = asksSupport(state, options.target)
    ? (async () => {
        const name = state.cloud.droplets.find((droplet) => droplet.role === 'support')?.name;
        if (!name) return undefined;
        update((s) => ({ ...s, support: s.support ?? { name, state: 'pending' } }));
        const answer = await supportAnswer(dir, state, options.connect ?? remoteTarget, options.supportTimeoutMs ?? DEFAULT_SUPPORT_TIMEOUT_MS);
        if (answer) update((s) => ({ ...s, support: answer.view }));
        return answer?.backups;
      })()
    : undefined;

  // Each volume's last backup, as the runs recorded it in this folder or on the support server (the
  // newer of the two): shown once the support droplet answered (or not), so a watch never flickers
  // between the two.
  const backups = (async () => {
    const facts = await backupFacts(dir, config, (await support) ?? {});
    if (facts.setUp) update((s) => ({ ...s, backups: facts }));
  })();

  await Promise.all([certificates, cluster, served, support, backups]);
  return snapshot;
}

/** `ECONNREFUSED` → `connection refused`; the TLS probe's own words otherwise. */
function tlsReason(error: string): string {
  if (error === 'ECONNRESET') return 'connection reset during the TLS handshake';
  return networkReason(error) ?? error.replace(/^no TLS answer within (.*)$/, 'timed out: no TLS answer within $1');
}

/**
 * Every entry address × every domain. The addresses: `--entry`, else where the state records each
 * domain's entry (its droplet or load balancer), else its A records — each domain's, put together, so
 * every entry is asked for every domain. A look-up that fails (or outlasts the probe limit) is a row.
 */
async function entryPairs(options: ProjectStatusOptions, state: State | undefined, timeoutMs: number): Promise<{ pairs: { entry: EntryPoint; domain: string }[]; failures: ServedRow[] }> {
  const domains = options.config.sites.map((site) => site.domain);
  const failures: ServedRow[] = [];
  let entries: EntryPoint[];
  if (options.entries && options.entries.length > 0) entries = options.entries;
  else {
    const dns = dnsEntryPoints({ port: 443, servers: options.dnsServers });
    const lookup = state ? entryPointsFromState(options.config, state, 443, dns) : dns;
    const found = await Promise.all(
      domains.map(async (domain) => {
        try {
          return await withinMs(lookup(domain), timeoutMs, () => {
            throw new Error(`no DNS answer within ${timeoutMs / 1000} s`);
          });
        } catch (error) {
          failures.push({ entry: '(dns)', address: '', port: 443, domain, state: 'down', error: (error as Error).message, pending: [] });
          return [];
        }
      }),
    );
    entries = found.flat();
  }
  const unique = [...new Map(entries.map((entry) => [`${entry.address}:${entry.port}`, entry])).values()];
  if (unique.length === 0) for (const domain of domains) if (!failures.some((row) => row.domain === domain)) failures.push({ entry: '(none)', address: '', port: 443, domain, state: 'down', error: 'no entry address: no A record, nothing recorded in the state; give --entry', pending: [] });
  return { pairs: unique.flatMap((entry) => domains.map((domain) => ({ entry, domain }))), failures };
}

