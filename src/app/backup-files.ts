import { join } from 'node:path';
import { z } from 'zod';
import { readOptional, writeFileAtomic } from '../config/fs-atomic.js';
import { appServices, stackObjectName, volumeNames } from '../../recipes/names.js';
import type { Config } from '../config/index.js';
import { ensureSwarmWizDir, SWARM_WIZ_DIR } from '../config/private-dir.js';
import type { BackupFacts } from '../status/backup-check.js';

/**
 * Where the backups go: `.swarm-wiz/backup.json` (0600: it holds the S3 keys and the repository
 * password), never swarm-wiz.yaml. And what each backup run found: `.swarm-wiz/backups.json` (no
 * secret: per volume, the last run's time, outcome and snapshot), which `status` reads.
 */
export const BACKUP_SETTINGS_FILE = 'backup.json';
export const BACKUP_RECORDS_FILE = 'backups.json';
export const BACKUP_SETTINGS_PATH = `${SWARM_WIZ_DIR}/${BACKUP_SETTINGS_FILE}`;
export const BACKUP_RECORDS_PATH = `${SWARM_WIZ_DIR}/${BACKUP_RECORDS_FILE}`;

export const backupSettingsFile = (dir: string): string => join(dir, SWARM_WIZ_DIR, BACKUP_SETTINGS_FILE);
export const backupRecordsFile = (dir: string): string => join(dir, SWARM_WIZ_DIR, BACKUP_RECORDS_FILE);

const settingsSchema = z.strictObject({
  endpoint: z.string(),
  bucket: z.string(),
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  password: z.string(),
  /** PEM of the CA that signs a private endpoint's certificate (none: the node's system CAs). */
  caCert: z.string().optional(),
  /** When backups were first set up (ISO): a volume never backed up is late only a day after it. */
  since: z.string().optional(),
});
export type BackupSettings = z.output<typeof settingsSchema>;

/** The file is missing: `backup setup` was never run here. */
export class BackupNotSetUp extends Error {
  constructor() {
    super('backups are not set up');
    this.name = 'BackupNotSetUp';
  }
}

/** The stored settings; BackupNotSetUp when there are none, an Error naming the file when it is damaged. */
export async function readBackupSettings(dir: string): Promise<BackupSettings> {
  const path = backupSettingsFile(dir);
  const text = await readOptional(path);
  if (text === undefined) throw new BackupNotSetUp();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON: run swarm-wiz backup setup again`);
  }
  const result = settingsSchema.safeParse(parsed);
  if (!result.success) throw new Error(`${path} is damaged (${result.error.issues[0]?.path.join('.') || 'its shape'}): run swarm-wiz backup setup again`);
  return result.data;
}

export async function writeBackupSettings(dir: string, settings: BackupSettings): Promise<void> {
  await ensureSwarmWizDir(dir);
  await writeFileAtomic(backupSettingsFile(dir), `${JSON.stringify(settings, null, 2)}\n`, 0o600);
}

/** The restic repository of a project: one per project, under the bucket. */
export const repositoryUrl = (settings: Pick<BackupSettings, 'endpoint' | 'bucket'>, project: string): string => `s3:${settings.endpoint.replace(/\/+$/, '')}/${settings.bucket}/${project}`;

const recordSchema = z.strictObject({
  service: z.string(),
  volume: z.string(),
  node: z.string(),
  /** When the run ended (ISO). */
  at: z.string(),
  ok: z.boolean(),
  snapshot: z.string().optional(),
  bytes: z.number().optional(),
  /** Bytes this snapshot added (compressed): about what was uploaded. */
  added: z.number().optional(),
  error: z.string().optional(),
  /** The last good backup (kept when a later run fails). */
  lastGood: z.string().optional(),
});
export type BackupRecord = z.output<typeof recordSchema>;
const recordsSchema = z.strictObject({ volumes: z.record(z.string(), recordSchema) });

/** The records in a records file's text, by volume; undefined when the text is not such a file (damaged). */
export function parseBackupRecords(text: string): Record<string, BackupRecord> | undefined {
  try {
    const parsed = recordsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.volumes : undefined;
  } catch {
    return undefined;
  }
}

/** Each volume's last backup run; empty when none ran (or the file is unreadable: the next run writes it again). */
export async function readBackupRecords(dir: string): Promise<Record<string, BackupRecord>> {
  const text = await readOptional(backupRecordsFile(dir));
  if (text === undefined) return {};
  return parseBackupRecords(text) ?? {};
}

/** An ISO time as milliseconds; one that does not parse is older than any. */
const timeOf = (iso: string): number => {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? -Infinity : time;
};

/** The latest of these times (undefined ones left out). */
const latest = (times: readonly (string | undefined)[]): string | undefined =>
  times.reduce<string | undefined>((best, time) => (time !== undefined && (best === undefined || timeOf(time) > timeOf(best)) ? time : best), undefined);

/**
 * The records of two places backups run (this folder and the support server, whose crontab runs the
 * daily backup), by volume: the newer run of the two (by `at`; a tie keeps `here`), with the newest good
 * backup of either as `lastGood` — a failed run here after a good one there still shows that good one.
 * A volume recorded in one place only keeps its record. Pure.
 */
export function mergeBackupRecords(here: Readonly<Record<string, BackupRecord>>, there: Readonly<Record<string, BackupRecord>>): Record<string, BackupRecord> {
  const merged = new Map(Object.entries(here));
  for (const [volume, record] of Object.entries(there)) {
    const mine = merged.get(volume);
    if (!mine) {
      merged.set(volume, record);
      continue;
    }
    const newer = timeOf(record.at) > timeOf(mine.at) ? record : mine;
    const lastGood = latest([mine.lastGood, mine.ok ? mine.at : undefined, record.lastGood, record.ok ? record.at : undefined]);
    merged.set(volume, { ...newer, ...(lastGood ? { lastGood } : {}) });
  }
  return Object.fromEntries(merged);
}

/** Adds this run's records (by volume) to the file, keeping each volume's last good backup time. */
export async function recordBackups(dir: string, records: readonly BackupRecord[]): Promise<void> {
  const volumes = await readBackupRecords(dir);
  for (const record of records) {
    const before = volumes[record.volume];
    const lastGood = record.ok ? record.at : before?.lastGood;
    volumes[record.volume] = { ...record, ...(lastGood ? { lastGood } : {}) };
  }
  await ensureSwarmWizDir(dir);
  await writeFileAtomic(backupRecordsFile(dir), `${JSON.stringify({ volumes }, null, 2)}\n`, 0o600);
}

/**
 * What `status --check` looks at: whether backups are set up, and each volume's last recorded run —
 * here, or in `elsewhere` (the support server's records, read over SSH) when that run is newer.
 */
export async function backupFacts(dir: string, config: Config, elsewhere: Readonly<Record<string, BackupRecord>> = {}): Promise<BackupFacts> {
  const settings = await readBackupSettings(dir).catch(() => undefined);
  if (!settings) return { setUp: false, volumes: [] };
  const records = mergeBackupRecords(await readBackupRecords(dir), elsewhere);
  const volumes = appServices(config)
    .flatMap((service) => volumeNames(service).map((name) => ({ service: service.name, volume: stackObjectName(config, name) })))
    .map(({ service, volume }) => {
      const last = records[volume];
      return { service, volume, ...(last ? { last: { at: last.at, ok: last.ok, ...(last.error ? { error: last.error } : {}), ...(last.lastGood ? { lastGood: last.lastGood } : {}) } } : {}) };
    });
  return { setUp: true, ...(settings.since ? { since: settings.since } : {}), volumes };
}
