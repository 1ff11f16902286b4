import { join } from 'node:path';
import type { BackupBenchResult } from './backup-run.js';
import type { Figure } from './figures.js';
import { underHostDockerLock } from './host-docker.js';

const INSIDE = join(import.meta.dirname, 'backup-run.ts');
const MiB = 1024 * 1024;

/** `backup now` of a 1 GiB volume of random data, again after a 10 MiB change, and `restore` of it (local swarm, S3 peer). */
export default async function backupBench(): Promise<Figure[]> {
  const r = await underHostDockerLock<BackupBenchResult>(INSIDE, 'backup');
  if (!r.restoredSame) throw new Error('the restored volume differs from the one backed up');
  const where = "swarm-wiz backup now --target local, Debian 13's restic 0.18 on this machine, s3rver over HTTPS on loopback";
  return [
    { name: 'backup now: first snapshot of a 1 GiB volume (random data)', value: r.firstSeconds, unit: 's', note: `${where}; ${(r.firstUploaded / MiB).toFixed(1)} MiB uploaded` },
    { name: 'bytes uploaded by the first snapshot', value: r.firstUploaded / MiB, unit: 'MiB', note: `of ${(r.volumeBytes / MiB).toFixed(0)} MiB of data` },
    { name: 'backup now: second snapshot after a 10 MiB change (ten 1 MiB runs)', value: r.secondSeconds, unit: 's', note: `${(r.secondUploaded / MiB).toFixed(2)} MiB uploaded` },
    {
      name: 'bytes uploaded by the second snapshot',
      value: r.secondUploaded / MiB,
      unit: 'MiB',
      baseline: { name: 'bytes uploaded by the first (MiB)', value: r.firstUploaded / MiB },
      target: { text: 'under 5% of the first', on: 'ratio', comparator: '<=', limit: 0.05 },
    },
    { name: 'restore of the 1 GiB volume onto a lost one (until the service is up)', value: r.restoreSeconds, unit: 's', target: { text: 'under 2 minutes', on: 'value', comparator: '<=', limit: 120 }, note: 'the restored file has the same sha256 as the one backed up' },
  ];
}
