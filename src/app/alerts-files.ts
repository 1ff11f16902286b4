import { join } from 'node:path';
import { parseAlertDestinations, type AlertDestinations } from '../alerts/destinations.js';
import { readOptional } from '../config/fs-atomic.js';
import { SWARM_WIZ_DIR } from '../config/private-dir.js';

/**
 * Where alerts go (`.swarm-wiz/alerts.json`, 0600: its URLs carry tokens) and what was sent
 * (`.swarm-wiz/alerts-sent.json`, where the cron run keeps each problem's first sighting and last
 * message). Neither is ever in swarm-wiz.yaml; apply copies the first to the support server, and the
 * second lives only where the cron run does.
 */
export const ALERTS_FILE = 'alerts.json';
export const ALERTS_SENT_FILE = 'alerts-sent.json';

/** `alerts.json` relative to the project folder (the support server's copy has the same path). */
export const ALERTS_PATH = `${SWARM_WIZ_DIR}/${ALERTS_FILE}`;

export const alertsFile = (dir: string): string => join(dir, SWARM_WIZ_DIR, ALERTS_FILE);
export const sentFile = (dir: string): string => join(dir, SWARM_WIZ_DIR, ALERTS_SENT_FILE);

/** The destinations stored in the project folder; none when nothing was ever set. */
export async function readDestinations(dir: string): Promise<AlertDestinations> {
  const text = await readOptional(alertsFile(dir));
  return text === undefined ? {} : parseAlertDestinations(text, alertsFile(dir));
}
