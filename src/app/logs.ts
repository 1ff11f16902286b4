import { stackObjectName } from '../../recipes/names.js';
import { LOGS_SINCE, serviceLogs } from '../commands/index.js';
import type { Config } from '../config/index.js';
import { expectedServices } from '../status/cluster-rows.js';
import { remoteText } from '../text/remote-text.js';
import { UsageError } from './errors.js';
import { reachManager, type ConnectNodes } from './manager.js';

export interface LogsRequest {
  config: Config;
  dir: string;
  /** A service of swarm-wiz.yaml (a site's or a private one), or `proxy`. */
  service: string;
  follow: boolean;
  /** As given: a duration (`10m`) or a date-time; checked here. */
  since?: string;
  /** As given: a number of lines per task, or `all`; checked here. */
  tail?: string;
  /** `local`: this machine's engine (a project applied with --target local), whatever the state says. */
  target?: 'local';
  /** How the droplets are reached (tests). */
  connect?: ConnectNodes;
}

export interface LogsIo {
  /** Each line as it arrives, control characters removed. */
  line(text: string): void;
  /** Stops following (Ctrl-C). */
  signal?: AbortSignal;
}

/** Lines of one call without --follow: enough for a service that logs a lot, bounded in time. */
const READ_TIMEOUT_MS = 120_000;

/**
 * `swarm-wiz logs SERVICE`: the service's log as a manager has it (`docker service logs`, each line
 * prefixed with its task and node), over SSH from the operator's machine or from this machine's
 * engine; with `follow`, until the signal aborts. The proxy's access lines name the backend that
 * answered and its response time. Refuses a service swarm-wiz.yaml does not have, or a bad --since or
 * --tail, before connecting. Resolves when the log ends or following was stopped.
 */
export async function serviceLog(request: LogsRequest, io: LogsIo): Promise<{ service: string; stopped: boolean }> {
  const { config } = request;
  const names = expectedServices(config).map((svc) => svc.name);
  if (!names.includes(request.service)) {
    throw new UsageError(`${JSON.stringify(request.service)} is not a service of ${config.project} (one of ${names.join(', ')})`);
  }
  if (request.since !== undefined && !LOGS_SINCE.test(request.since)) {
    throw new UsageError(`--since ${JSON.stringify(request.since)} is not a time (a duration like 30s, 10m, 2h, or a date like 2026-12-06T05:00:00Z)`);
  }
  let tail: number | undefined;
  if (request.tail !== undefined && request.tail !== 'all') {
    tail = /^\d{1,7}$/.test(request.tail) ? Number(request.tail) : NaN;
    if (!Number.isInteger(tail)) throw new UsageError(`--tail ${JSON.stringify(request.tail)} is not a number of lines (0 or more, or all)`);
  }
  const access = await reachManager({ dir: request.dir, project: config.project, ...(request.target ? { target: request.target } : {}), ...(request.connect ? { connect: request.connect } : {}) });
  const service = stackObjectName(config, request.service);
  try {
    const shell = access.target.shell(access.manager);
    const command = serviceLogs(service, { follow: request.follow, ...(request.since !== undefined ? { since: request.since } : {}), ...(tail !== undefined ? { tail } : {}) });
    try {
      await shell.run(command, { onOutput: (line) => io.line(remoteText(line)), ...(io.signal ? { signal: io.signal } : {}), ...(request.follow ? {} : { timeoutMs: READ_TIMEOUT_MS }) });
    } catch (error) {
      if (io.signal?.aborted) return { service, stopped: true };
      throw error;
    }
    return { service, stopped: false };
  } finally {
    await access.dispose();
  }
}
