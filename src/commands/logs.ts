import type { Command } from './command.js';

/** What `swarm-wiz logs` asks of a service's log. */
export interface LogsQuery {
  /** Keep the connection and print new lines as they come, until stopped. */
  follow: boolean;
  /** Only lines since then: a duration (`10m`, `2h`, `30s`) or a date-time (`2026-12-06T05:00:00Z`). */
  since?: string;
  /** Only the last N lines of each task (default: all). */
  tail?: number;
}

/** `docker service logs` of one service (the stack's full name), as a manager runs it: each line prefixed with its task and node. */
export function serviceLogs(service: string, query: LogsQuery): Command {
  return {
    argv: [
      'docker', 'service', 'logs', '--no-trunc',
      ...(query.follow ? ['--follow'] : []),
      ...(query.since !== undefined ? ['--since', query.since] : []),
      ...(query.tail !== undefined ? ['--tail', String(query.tail)] : []),
      service,
    ],
    description: `read the log of ${service}`,
  };
}

/** `--since`: a duration docker understands (digits and a unit, s m h), or an RFC 3339 date-time. */
export const LOGS_SINCE = /^(\d{1,6}(s|m|h)|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)$/;
