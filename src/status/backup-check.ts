import { checkResultOf, type CheckProblem, type CheckResult } from '../certs/check-problem.js';
import { remoteLine } from '../text/remote-text.js';

/**
 * `status --check` on backups, once `backup setup` was run: per volume of a service with volumes, the
 * last backup run as recorded (`.swarm-wiz/backups.json`, where the run happened). Pure.
 *
 * | kind          | key                     | severity |
 * | ------------- | ----------------------- | -------- |
 * | backup-failed | `backup:<volume>:failed` | warning  |
 * | backup-stale  | `backup:<volume>:stale`  | warning (no good backup for more than 26 h, or none ever) |
 */
export type BackupCheckKind = 'backup-failed' | 'backup-stale';
export type BackupProblem = CheckProblem<BackupCheckKind>;

/** A daily backup that is late by a couple of hours is not yet a problem; a missed day is. */
export const BACKUP_STALE_MS = 26 * 3_600_000;

export interface BackupVolumeFacts {
  volume: string;
  service: string;
  /** The last run for this volume, when one was recorded. */
  last?: { at: string; ok: boolean; error?: string; lastGood?: string };
}

export interface BackupFacts {
  /** `backup setup` was run (backup.json exists): without it nothing is checked. */
  setUp: boolean;
  /** When it was first run: a volume never backed up is late only 26 h after that. */
  since?: string;
  volumes: BackupVolumeFacts[];
}

const hoursAgo = (at: string, now: Date): string => `${Math.max(0, Math.floor((now.getTime() - Date.parse(at)) / 3_600_000))} h ago`;

export function checkBackups(facts: BackupFacts, now: Date, staleMs = BACKUP_STALE_MS): CheckResult<BackupProblem> {
  if (!facts.setUp) return checkResultOf([]);
  const problems: BackupProblem[] = [];
  for (const { volume, service, last } of facts.volumes) {
    const good = last?.lastGood ?? (last?.ok ? last.at : undefined);
    const since = good ? `last good backup ${good} (${hoursAgo(good, now)})` : 'no good backup yet';
    if (last && !last.ok) {
      problems.push({ key: `backup:${volume}:failed`, kind: 'backup-failed', severity: 'warning', line: remoteLine(`backup of ${volume} (${service}) failed ${hoursAgo(last.at, now)}: ${last.error ?? 'no reason recorded'}; ${since}`) });
      continue;
    }
    const reference = good ?? facts.since;
    if (!reference || now.getTime() - Date.parse(reference) > staleMs) {
      problems.push({ key: `backup:${volume}:stale`, kind: 'backup-stale', severity: 'warning', line: `${volume} (${service}): ${since}, more than ${Math.round(staleMs / 3_600_000)} h: swarm-wiz backup now ${service}` });
    }
  }
  return checkResultOf(problems);
}
