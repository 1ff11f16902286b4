import { sendHttp } from '../adapters/webhook.js';
import { checkAlertUrl, guessFormat, maskUrl, ALERT_FORMATS, type AlertDestinations, type AlertFormat } from '../alerts/destinations.js';
import { alertRequest, heartbeatRequest, type AlertEvent, type HttpRequest } from '../alerts/messages.js';
import { DEFAULT_QUIET_MS, emptyMemory, parseAlertMemory, planAlerts, recordDelivery, type AlertMemory, type CurrentProblem } from '../alerts/memory.js';
import { readOptional, writeFileAtomic } from '../config/fs-atomic.js';
import { ALERTS_PATH, alertsFile, readDestinations, sentFile } from './alerts-files.js';
import { ensureSwarmWizDir } from '../config/private-dir.js';
import { errorLine } from '../text/remote-text.js';
import { UsageError } from './errors.js';
import { copyToSupport, type SupportCopy } from './support-copy.js';

export { ALERTS_PATH, readDestinations } from './alerts-files.js';

const destinationsText = (destinations: AlertDestinations): string => `${JSON.stringify(destinations, null, 2)}\n`;

/** A destination as `alerts ls` shows it: never the URL itself. */
export interface ShownDestination {
  what: 'webhook' | 'heartbeat';
  /** The URL with its secret part replaced by `…`. */
  url: string;
  format?: AlertFormat;
}

export function shownDestinations(destinations: AlertDestinations): ShownDestination[] {
  const shown: ShownDestination[] = [];
  if (destinations.webhook) shown.push({ what: 'webhook', url: maskUrl(destinations.webhook.url, destinations.webhook.format), format: destinations.webhook.format });
  if (destinations.heartbeat) shown.push({ what: 'heartbeat', url: maskUrl(destinations.heartbeat.url, 'heartbeat') });
  return shown;
}

export interface AlertsChange {
  destinations: ShownDestination[];
  /** Where the support server's copy stands: copied now, left for the next apply (and why), or none to copy to. */
  support: SupportCopy;
}

export interface AlertsSetRequest {
  dir: string;
  project: string;
  webhook?: string;
  format?: string;
  heartbeat?: string;
}

/**
 * `alerts set`: checks each URL given (http or https with a host, no credentials) and the format
 * (given, else guessed from the webhook's host), stores them beside what was set before, and copies the
 * file to the support server when the project runs on droplets.
 */
export async function alertsSet(request: AlertsSetRequest): Promise<AlertsChange> {
  if (request.webhook === undefined && request.heartbeat === undefined) {
    throw new UsageError('alerts set needs --webhook URL, --heartbeat URL, or both');
  }
  if (request.format !== undefined && request.webhook === undefined) throw new UsageError('--format shapes the webhook\'s messages: give it with --webhook URL');
  if (request.format !== undefined && !(ALERT_FORMATS as readonly string[]).includes(request.format)) {
    throw new UsageError(`--format ${JSON.stringify(request.format)} is not a format (one of ${ALERT_FORMATS.join(', ')})`);
  }
  const checked = (field: '--webhook' | '--heartbeat', text: string) => {
    try {
      return checkAlertUrl(field, text);
    } catch (error) {
      throw new UsageError(errorLine(error));
    }
  };
  const next: AlertDestinations = { ...(await readDestinations(request.dir)) };
  if (request.webhook !== undefined) {
    const url = checked('--webhook', request.webhook);
    next.webhook = { url, format: (request.format as AlertFormat | undefined) ?? guessFormat(url) };
  }
  if (request.heartbeat !== undefined) next.heartbeat = { url: checked('--heartbeat', request.heartbeat) };
  return saveDestinations(request, next);
}

/** `alerts rm`: removes the webhook, the heartbeat, or both (neither named: both). */
export async function alertsRemove(request: { dir: string; project: string; webhook: boolean; heartbeat: boolean }): Promise<AlertsChange> {
  const both = !request.webhook && !request.heartbeat;
  const next: AlertDestinations = { ...(await readDestinations(request.dir)) };
  if (both || request.webhook) delete next.webhook;
  if (both || request.heartbeat) delete next.heartbeat;
  return saveDestinations(request, next);
}

/** `alerts ls`. */
export async function alertsList(request: { dir: string }): Promise<ShownDestination[]> {
  return shownDestinations(await readDestinations(request.dir));
}

async function saveDestinations(request: { dir: string; project: string }, destinations: AlertDestinations): Promise<AlertsChange> {
  await ensureSwarmWizDir(request.dir);
  // Kept even when empty: the support server's copy must learn that a destination was removed.
  const text = destinationsText(destinations);
  await writeFileAtomic(alertsFile(request.dir), text, 0o600);
  return { destinations: shownDestinations(destinations), support: await copyToSupport(request.dir, request.project, ALERTS_PATH, text) };
}

/** One delivery: where (masked) and how it went. */
export interface Delivery {
  what: 'webhook' | 'heartbeat';
  url: string;
  ok: boolean;
  /** Why it failed (one line, never the URL). */
  reason?: string;
}

export interface AlertsIo {
  /** The HTTP client (tests pass a recorder); default: sendHttp with fetch. */
  send?: (request: HttpRequest, maskedUrl: string) => Promise<{ ok: true; status: number } | { ok: false; reason: string }>;
}

const sender = (io: AlertsIo) => io.send ?? ((request: HttpRequest, maskedUrl: string) => sendHttp(request, { maskedUrl }));

async function deliver(io: AlertsIo, what: Delivery['what'], shownUrl: string, request: HttpRequest): Promise<Delivery> {
  const result = await sender(io)(request, shownUrl);
  return result.ok ? { what, url: shownUrl, ok: true } : { what, url: shownUrl, ok: false, reason: result.reason };
}

/** `alerts test`: a test message to the webhook and a ping to the heartbeat URL. */
export async function alertsTest(request: { dir: string; project: string; now?: Date }, io: AlertsIo = {}): Promise<Delivery[]> {
  const destinations = await readDestinations(request.dir);
  if (!destinations.webhook && !destinations.heartbeat) throw new UsageError('no alerts are set: swarm-wiz alerts set --webhook URL [--format slack|discord|ntfy|json] and/or --heartbeat URL');
  const now = request.now ?? new Date();
  const deliveries: Promise<Delivery>[] = [];
  if (destinations.webhook) {
    const { url, format } = destinations.webhook;
    deliveries.push(deliver(io, 'webhook', maskUrl(url, format), alertRequest(format, url, request.project, { kind: 'test' }, now)));
  }
  if (destinations.heartbeat) {
    const { url } = destinations.heartbeat;
    deliveries.push(deliver(io, 'heartbeat', maskUrl(url, 'heartbeat'), heartbeatRequest(url)));
  }
  return Promise.all(deliveries);
}

export interface AlertRunRequest {
  dir: string;
  project: string;
  /** As the check reports them: a stable key, a severity and one line each. */
  problems: readonly CurrentProblem[];
  /** Whether the run found something critical: then no heartbeat, so the outside service notices. */
  critical: boolean;
  now?: Date;
  quietMs?: number;
}

export interface AlertRunOutcome {
  /** The messages sent (or tried) this run, in order. */
  events: { event: AlertEvent['kind']; key?: string; delivered: boolean }[];
  deliveries: Delivery[];
  /** The memory file could not be read and was started again (its problems are alerted again). */
  memoryReset?: string;
}

/**
 * The cron run's alerts (`status --check --alert`): each problem once, again after the quiet period
 * while it lasts or when it turns critical, "resolved" once it clears; a message that could not be
 * delivered is tried again on the next run. Then the heartbeat, when nothing was critical. Without
 * alerts set, nothing happens. Never throws for a failed delivery: the check's exit code is the run's.
 */
export async function alertOnCheck(request: AlertRunRequest, io: AlertsIo = {}): Promise<AlertRunOutcome> {
  const destinations = await readDestinations(request.dir);
  const now = request.now ?? new Date();
  const outcome: AlertRunOutcome = { events: [], deliveries: [] };
  if (destinations.webhook) {
    const { url, format } = destinations.webhook;
    const shownUrl = maskUrl(url, format);
    let memory: AlertMemory = emptyMemory();
    const text = await readOptional(sentFile(request.dir));
    if (text !== undefined) {
      try {
        memory = parseAlertMemory(text, sentFile(request.dir));
      } catch (error) {
        outcome.memoryReset = errorLine(error);
      }
    }
    const planned = planAlerts(memory, [...request.problems], now, request.quietMs ?? DEFAULT_QUIET_MS);
    memory = planned.memory;
    let failed: Delivery | undefined;
    for (const event of planned.events) {
      // One failure is enough to know the webhook is down this run: the rest wait for the next run, unsent.
      const delivery = failed ?? (await deliver(io, 'webhook', shownUrl, alertRequest(format, url, request.project, event, now)));
      if (!delivery.ok) failed = delivery;
      memory = recordDelivery(memory, event, delivery.ok, now);
      outcome.events.push({ event: event.kind, ...(event.kind === 'test' ? {} : { key: event.key }), delivered: delivery.ok });
    }
    if (failed) outcome.deliveries.push(failed);
    else if (planned.events.length > 0) outcome.deliveries.push({ what: 'webhook', url: shownUrl, ok: true });
    await ensureSwarmWizDir(request.dir);
    await writeFileAtomic(sentFile(request.dir), `${JSON.stringify(memory, null, 2)}\n`, 0o600);
  }
  if (destinations.heartbeat && !request.critical) {
    const { url } = destinations.heartbeat;
    outcome.deliveries.push(await deliver(io, 'heartbeat', maskUrl(url, 'heartbeat'), heartbeatRequest(url)));
  }
  return outcome;
}
