import type { Command } from './command.js';
import { jsonLines } from './swarm.js';

/**
 * restic and the Docker commands around it, as argv. restic reads its repository, password, S3 keys
 * and CA from files on the node (0600, written before each run), named in its environment by `env`:
 * no secret is ever in an argv, where `ps` would show it.
 */

/** Where the node keeps restic's files: the password, the S3 keys (an AWS credentials file), an optional CA, the cache. */
export interface ResticFiles {
  dir: string;
}

export const resticPasswordFile = (files: ResticFiles): string => `${files.dir}/password`;
export const resticCredentialsFile = (files: ResticFiles): string => `${files.dir}/credentials`;
export const resticCaFile = (files: ResticFiles): string => `${files.dir}/ca.pem`;
export const resticCacheDir = (files: ResticFiles): string => `${files.dir}/cache`;

/** What restic needs to open the repository: its URL (`s3:https://host/bucket/prefix`) and whether a CA file is there. */
export interface ResticRepository {
  url: string;
  files: ResticFiles;
  /** A CA file was written (a private S3 endpoint with its own CA). */
  ca: boolean;
}

/** The AWS credentials file restic's S3 client reads (AWS_SHARED_CREDENTIALS_FILE), profile `default`. */
export function credentialsFileText(accessKeyId: string, secretAccessKey: string): string {
  return `[default]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`;
}

function restic(repo: ResticRepository, args: readonly string[], description: string): Command {
  return {
    argv: [
      'env',
      `RESTIC_REPOSITORY=${repo.url}`,
      `RESTIC_PASSWORD_FILE=${resticPasswordFile(repo.files)}`,
      `AWS_SHARED_CREDENTIALS_FILE=${resticCredentialsFile(repo.files)}`,
      `RESTIC_CACHE_DIR=${resticCacheDir(repo.files)}`,
      ...(repo.ca ? [`RESTIC_CACERT=${resticCaFile(repo.files)}`] : []),
      'restic',
      ...args,
    ],
    description,
  };
}

/** restic's exit codes (0.17 and newer): no repository at the URL, it is locked, the password does not open it. */
export const RESTIC_EXIT = { noRepository: 10, locked: 11, wrongPassword: 12 } as const;

export const resticVersion: Command = { argv: ['restic', 'version'], description: 'read the version of restic' };

/** `restic 0.18.0 compiled with go1.24 on linux/amd64` → [0, 18, 0]. */
export function parseResticVersion(output: string): [number, number, number] | undefined {
  const match = /restic (\d+)\.(\d+)\.(\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Whether the repository exists and the password opens it (run as a probe: exit 10 none, 12 wrong password). */
export const resticCatConfig = (repo: ResticRepository): Command => restic(repo, ['cat', 'config', '--quiet'], 'open the backup repository');
export const resticInit = (repo: ResticRepository): Command => restic(repo, ['init', '--quiet'], 'create the backup repository');

/** The tag naming a snapshot's volume: `volume=<stack volume name>`. */
export const volumeTag = (volume: string): string => `volume=${volume}`;
export const serviceTag = (service: string): string => `service=${service}`;

/**
 * Backs up one folder (a volume's mount point) as a snapshot of `host` (the project: the same whichever
 * droplet holds the volume now, so a replaced droplet's next backup still finds its parent), tagged with
 * the volume and the service. `--json`: the last line is the summary.
 */
export function resticBackup(repo: ResticRepository, options: { host: string; path: string; volume: string; service: string }): Command {
  return restic(
    repo,
    ['backup', '--json', '--host', options.host, '--tag', 'swarm-wiz', '--tag', volumeTag(options.volume), '--tag', serviceTag(options.service), options.path],
    `back up the volume ${options.volume}`,
  );
}

export interface BackupSummary {
  snapshotId: string;
  /** Bytes of new data (before compression) this snapshot added to the repository. */
  dataAdded: number;
  /** Bytes it added after compression: what was uploaded, about. */
  dataAddedPacked: number;
  /** Bytes of the files backed up. */
  totalBytes: number;
  files: number;
}

/** The summary line of `restic backup --json`. */
export function parseBackupSummary(output: string): BackupSummary | undefined {
  const summary = jsonLines(output).find((line) => line.message_type === 'summary');
  if (!summary || typeof summary.snapshot_id !== 'string') return undefined;
  const count = (value: unknown) => (typeof value === 'number' ? value : 0);
  return {
    snapshotId: summary.snapshot_id,
    dataAdded: count(summary.data_added),
    dataAddedPacked: count(summary.data_added_packed ?? summary.data_added),
    totalBytes: count(summary.total_bytes_processed),
    files: count(summary.total_files_processed),
  };
}

/** What the scheduled run keeps of each volume's snapshots. */
export const RETENTION = { daily: 7, weekly: 4, monthly: 6 } as const;

/**
 * Forgets a volume's snapshots beyond the retention and prunes what no snapshot uses. Grouped by host
 * and tags, not paths: a volume on a replaced droplet may have another mount point.
 */
export function resticForget(repo: ResticRepository, host: string, volume: string): Command {
  return restic(
    repo,
    ['forget', '--quiet', '--host', host, '--tag', volumeTag(volume), '--group-by', 'host,tags', '--keep-daily', String(RETENTION.daily), '--keep-weekly', String(RETENTION.weekly), '--keep-monthly', String(RETENTION.monthly), '--prune'],
    `forget the old snapshots of ${volume}`,
  );
}

/** The snapshots of `host`, oldest first (`--json`). */
export const resticSnapshots = (repo: ResticRepository, host: string): Command => restic(repo, ['snapshots', '--json', '--host', host, '--tag', 'swarm-wiz'], 'list the snapshots');

export interface Snapshot {
  id: string;
  shortId: string;
  time: string;
  /** The folder it holds (the volume's mount point on the node it was taken on). */
  path: string;
  volume: string;
  service: string;
  /** Bytes of the files in it, when restic recorded its summary. */
  bytes?: number;
}

export function parseSnapshots(json: string): Snapshot[] {
  const raw = JSON.parse(json === '' ? '[]' : json) as unknown;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry: Record<string, unknown>) => {
    const tags = Array.isArray(entry.tags) ? entry.tags.map(String) : [];
    const tagged = (prefix: string) => tags.find((tag) => tag.startsWith(prefix))?.slice(prefix.length);
    const volume = tagged('volume=');
    const service = tagged('service=');
    const paths = Array.isArray(entry.paths) ? entry.paths.map(String) : [];
    if (typeof entry.id !== 'string' || !volume || !service || paths.length !== 1) return [];
    const summary = entry.summary as Record<string, unknown> | undefined;
    const bytes = typeof summary?.total_bytes_processed === 'number' ? summary.total_bytes_processed : undefined;
    return [{ id: entry.id, shortId: typeof entry.short_id === 'string' ? entry.short_id : entry.id.slice(0, 8), time: String(entry.time ?? ''), path: paths[0]!, volume, service, ...(bytes !== undefined ? { bytes } : {}) }];
  });
}

/** The files of a snapshot (`restic ls --json`: one node per line after the snapshot line). */
export const resticLs = (repo: ResticRepository, snapshotId: string): Command => restic(repo, ['ls', '--json', snapshotId], `list the files of snapshot ${snapshotId.slice(0, 8)}`);

export function parseLs(output: string): { path: string; type: string; size?: number }[] {
  return jsonLines(output)
    .filter((line) => typeof line.path === 'string' && (line.struct_type === 'node' || line.message_type === 'node'))
    .map((line) => ({ path: String(line.path), type: String(line.type ?? ''), ...(typeof line.size === 'number' ? { size: line.size } : {}) }));
}

/**
 * Restores a whole snapshot under `target` (a new folder): its folder lands at `target` + its path, with
 * the folder's own owner and mode (a database's data folder is 0700, owned by its user).
 */
export function resticRestore(repo: ResticRepository, snapshotId: string, target: string): Command {
  return restic(repo, ['restore', '--json', snapshotId, '--target', target], `restore snapshot ${snapshotId.slice(0, 8)} into ${target}`);
}

/** Where a named volume's data is on its node (`docker volume inspect`). */
export function volumeMountpoint(volume: string): Command {
  return { argv: ['docker', 'volume', 'inspect', '--format', '{{.Mountpoint}}', volume], description: `find the volume ${volume}` };
}

/** A named volume as `docker stack deploy` makes it (labelled with the stack), for a restore before the service ever ran there. */
export function volumeCreate(volume: string, stack: string): Command {
  return { argv: ['docker', 'volume', 'create', '--label', `com.docker.stack.namespace=${stack}`, volume], description: `create the volume ${volume}` };
}

/** Runs `script` with `sh -c` in a running container (a service's `backup.before`). */
export function containerShell(containerId: string, script: string): Command {
  return { argv: ['docker', 'exec', containerId, 'sh', '-c', script], description: 'run the backup.before command in the container' };
}

/** Sets a service's replicas without waiting (`--detach`): swarm-wiz follows the tasks itself. */
export function serviceScale(service: string, replicas: number): Command {
  return { argv: ['docker', 'service', 'scale', '--detach', `${service}=${replicas}`], description: `scale ${service} to ${replicas}` };
}

/** The nodes carrying a label (`docker node ls --filter node.label=KEY=true`): one host name per line. */
export function nodesLabelled(label: string): Command {
  return { argv: ['docker', 'node', 'ls', '--filter', `node.label=${label}=true`, '--format', '{{.Hostname}}'], description: `find the node labelled ${label}` };
}

/** The state of a service's running containers on this node: `Up 3 seconds (healthy)` per line. */
export function serviceContainerStates(service: string): Command {
  return { argv: ['docker', 'ps', '--filter', `label=com.docker.swarm.service.name=${service}`, '--format', '{{.Status}}'], description: `read the state of ${service}'s containers` };
}

/** Renames a folder (same file system: the swap of a restored volume is one rename each way). */
export function moveFolder(from: string, to: string): Command {
  return { argv: ['mv', '-T', '--', from, to], description: `move ${from} to ${to}` };
}

export function removeFolder(path: string): Command {
  return { argv: ['rm', '-rf', '--', path], description: `remove ${path}` };
}
