import type { Config } from '../config/index.js';
import { dataNodeLabel, dataServices } from '../../recipes/names.js';

/** What the state remembers of the services with volumes (state.json `data`). */
export interface DataMemory {
  /** Deployed at least once: their data lives on the node labelled for it. */
  placed: readonly string[];
  /** Kept at 0 replicas until `restore` brings their data back (or `apply --start-empty`). */
  held: readonly string[];
}

export interface DataHolds {
  /** Deployed at 0 replicas: the droplet holding their data was replaced while backups exist (now or in an earlier apply). */
  held: string[];
  /** The droplet holding their data was replaced and they start on an empty volume: no backups are set up, or --start-empty. */
  startEmpty: string[];
  /** Why those start empty. */
  because?: 'no-backups' | 'start-empty';
}

const dataServiceNames = (config: Config): string[] => dataServices(config).map((service) => service.name);

/**
 * After the droplet that held a service's volumes is replaced (`holder`, the node the data label goes to —
 * dataHolder in deploy.ts — does not carry the service's label, although the service was placed before), the new volume is empty. With backups set up the
 * service is kept at 0 replicas, so nothing starts on (and writes into) an empty data directory, until
 * `restore` brings its data back; `startEmpty` (apply --start-empty) starts it anyway. A service held
 * before stays held. Pure.
 */
export function planDataHolds(config: Config, holder: { labels?: Record<string, string> } | undefined, memory: DataMemory | undefined, options: { backupsSetUp: boolean; startEmpty: boolean }): DataHolds {
  const services = dataServiceNames(config);
  const placed = new Set(memory?.placed ?? []);
  const before = new Set(memory?.held ?? []);
  const replaced = services.filter((name) => placed.has(name) && holder?.labels?.[dataNodeLabel(name)] !== 'true');
  const wanted = services.filter((name) => before.has(name) || (options.backupsSetUp && replaced.includes(name)));
  if (options.startEmpty) {
    const empty = services.filter((name) => wanted.includes(name) || replaced.includes(name));
    return { held: [], startEmpty: empty, ...(empty.length > 0 ? { because: 'start-empty' as const } : {}) };
  }
  const empty = replaced.filter((name) => !wanted.includes(name));
  return { held: wanted, startEmpty: empty, ...(empty.length > 0 ? { because: 'no-backups' as const } : {}) };
}

/** What the state remembers once the stack ran with these holds. */
export const dataMemoryAfter = (config: Config, holds: DataHolds): DataMemory => ({ placed: dataServiceNames(config), held: holds.held });

/** The plan's words for the holds (the stack step's warning, apply's last lines). */
export function dataHoldLines(holds: DataHolds): string[] {
  return [
    ...holds.held.map((name) => `${name} is kept at 0 replicas: the droplet that held its data was replaced and backups exist; run swarm-wiz restore ${name} to bring its last backup back (or apply --start-empty to start it on an empty volume)`),
    ...holds.startEmpty.map((name) =>
      holds.because === 'start-empty'
        ? `${name} starts on an empty volume (--start-empty): the droplet that held its data was replaced`
        : `${name} starts on an empty volume: the droplet that held its data was replaced and no backups are set up (swarm-wiz backup setup)`,
    ),
  ];
}
