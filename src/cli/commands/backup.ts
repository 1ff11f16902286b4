import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { VolumeBackup } from '../../app/backup.js';
import { isLocalTarget, projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { firstLine, writeLine, type CliIo } from '../io.js';

interface TargetOption extends CommonOptions {
  target?: string;
}

interface SetupOptions extends TargetOption {
  endpoint?: string;
  bucket?: string;
  passwordStdin: boolean;
  caCert?: string;
}

export const size = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
};

/** How long ago, in the largest whole unit: `3 h ago`. */
export function age(time: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
  if (Number.isNaN(seconds)) return 'at an unknown time';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} days ago`;
}

function volumeLine(result: VolumeBackup): string {
  if (!result.ok) return `✘ ${result.volume} (${result.service} on ${result.node}): ${result.error ?? 'failed'}`;
  return `✔ ${result.volume} (${result.service} on ${result.node}): snapshot ${result.snapshot?.slice(0, 8)}, ${size(result.bytes ?? 0)}, ${size(result.added ?? 0)} new, ${result.seconds.toFixed(1)} s`;
}

/**
 * `swarm-wiz backup setup|now|ls`: encrypted, deduplicated restic backups of the services' named volumes
 * to an S3 bucket (DigitalOcean Spaces by default). The S3 keys and the repository password are kept in
 * `.swarm-wiz/backup.json` (0600) and a 0600 folder on the node that runs restic; never in swarm-wiz.yaml,
 * never printed. Exit 0 done, 1 a backup failed, 2 a bad value.
 */
export function registerBackupCommand(program: Command, io: CliIo): void {
  const backup = program.command('backup').description("encrypted backups of the services' volumes to S3 (DigitalOcean Spaces by default) with restic");
  withCommonOptions(backup.command('setup'))
    .requiredOption('--bucket <name>', 'the bucket (create it in the Spaces panel first); the repository is <bucket>/<project>')
    .option('--endpoint <url>', "the S3 endpoint (default: Spaces in the project's region, https://<region>.digitaloceanspaces.com)")
    .option('--password-stdin', 'read the repository password from stdin (default: the one stored before, else a new random one)', false)
    .option('--ca-cert <file>', "the CA of a private endpoint's certificate (PEM)")
    .option('--target <target>', "local: this machine's Docker engine and restic (as apply --target local)")
    .description('store where backups go and check it: the keys come from SWARM_WIZ_S3_ACCESS_KEY_ID and SWARM_WIZ_S3_SECRET_ACCESS_KEY; the repository is created when the bucket has none')
    .action(async (options: SetupOptions) => {
      const accessKeyId = io.env.SWARM_WIZ_S3_ACCESS_KEY_ID;
      const secretAccessKey = io.env.SWARM_WIZ_S3_SECRET_ACCESS_KEY;
      if (!accessKeyId || !secretAccessKey) {
        throw new CliExit(EXIT.usage, `backup setup needs the bucket's keys in ${!accessKeyId ? 'SWARM_WIZ_S3_ACCESS_KEY_ID' : 'SWARM_WIZ_S3_SECRET_ACCESS_KEY'} (Spaces keys: the DigitalOcean panel, API, Spaces Keys); nothing was stored`);
      }
      const password = options.passwordStdin ? await firstLine(io.stdin) : undefined;
      const caCert = options.caCert !== undefined ? await readFile(options.caCert, 'utf8').catch(() => Promise.reject(new CliExit(EXIT.usage, `--ca-cert: ${options.caCert} cannot be read`))) : undefined;
      const { backupSetup } = await import('../../app/backup.js');
      const { configPath, dir } = projectPaths(options, io);
      const outcome = await backupSetup({
        configPath,
        dir,
        local: isLocalTarget(options.target),
        bucket: options.bucket!,
        accessKeyId,
        secretAccessKey,
        ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(caCert !== undefined ? { caCert } : {}),
      });
      if (options.json) return writeLine(io.stdout, JSON.stringify(outcome));
      writeLine(io.stdout, `Backups go to ${outcome.repository} (${outcome.created ? 'a new repository, created' : 'the repository there, opened'} from ${outcome.node}).`);
      writeLine(io.stdout, 'The keys and the repository password are in .swarm-wiz/backup.json (0600), never in swarm-wiz.yaml.');
      if (outcome.passwordGenerated) writeLine(io.stdout, 'Keep a copy of .swarm-wiz/backup.json somewhere else: without its password no backup can be read.');
      if ('copied' in outcome.support) writeLine(io.stdout, `Copied to the support server ${outcome.support.copied}: its crontab backs up every volume daily and keeps 7 daily, 4 weekly and 6 monthly snapshots.`);
      else if ('later' in outcome.support) writeLine(io.stderr, `Saved here; ${outcome.support.later}: until then no scheduled backup runs.`);
    });
  withCommonOptions(backup.command('now'))
    .argument('[service]', 'one service with volumes (default: every one)')
    .option('--target <target>', "local: this machine's Docker engine and restic")
    .option('--scheduled', "the support server's daily run: then keep 7 daily, 4 weekly and 6 monthly snapshots of each volume (restic forget --prune)", false)
    .description("back up the services' volumes now: each service's backup.before first, in its container, then one snapshot per volume")
    .action(async (service: string | undefined, options: TargetOption & { scheduled: boolean }) => {
      const { backupNow } = await import('../../app/backup.js');
      const { configPath, dir } = projectPaths(options, io);
      const results = await backupNow({ configPath, dir, local: isLocalTarget(options.target), scheduled: options.scheduled, ...(service !== undefined ? { service } : {}) }, { onProgress: (line) => (options.json ? undefined : writeLine(io.stdout, `  ${line}`)) });
      if (options.json) writeLine(io.stdout, JSON.stringify(results));
      else if (results.length === 0) writeLine(io.stdout, 'No service in swarm-wiz.yaml has volumes: nothing to back up.');
      else for (const result of results) writeLine(result.ok ? io.stdout : io.stderr, volumeLine(result));
      const failed = results.filter((result) => !result.ok);
      if (failed.length > 0) throw new CliExit(EXIT.failure, `backup: ${failed.length} of ${results.length} volumes not backed up`);
    });
  withCommonOptions(backup.command('ls'))
    .argument('[service]', 'one service with volumes (default: every one)')
    .option('--target <target>', "local: this machine's Docker engine and restic")
    .option('--files <snapshot>', 'list the files of one snapshot instead')
    .description('the snapshots, oldest first, with their size and age')
    .action(async (service: string | undefined, options: TargetOption & { files?: string }) => {
      const { backupFiles, backupList } = await import('../../app/backup.js');
      const { configPath, dir } = projectPaths(options, io);
      if (options.files !== undefined) {
        const files = await backupFiles({ configPath, dir, local: isLocalTarget(options.target), snapshot: options.files });
        if (options.json) return writeLine(io.stdout, JSON.stringify(files));
        for (const file of files) writeLine(io.stdout, `${file.path}${file.type === 'dir' ? '/' : ''}${file.size !== undefined && file.type === 'file' ? `  ${size(file.size)}` : ''}`);
        return;
      }
      const snapshots = await backupList({ configPath, dir, local: isLocalTarget(options.target), ...(service !== undefined ? { service } : {}) });
      if (options.json) return writeLine(io.stdout, JSON.stringify(snapshots));
      if (snapshots.length === 0) writeLine(io.stdout, `No backups yet: swarm-wiz backup now${service ? ` ${service}` : ''}.`);
      for (const snapshot of snapshots) writeLine(io.stdout, `${snapshot.shortId}  ${snapshot.time.slice(0, 19).replace('T', ' ')} UTC (${age(snapshot.time)})  ${snapshot.volume}  ${snapshot.bytes !== undefined ? size(snapshot.bytes) : 'size unknown'}`);
    });
}
