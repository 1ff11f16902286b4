import { existsSync } from 'node:fs';
import { remoteProjectDir } from '../../recipes/names.js';
import { sshKeyPath } from '../adapters/ssh-key.js';
import { reachable, readSupportRecords } from '../commands/index.js';
import { StateStore, type State } from '../state/index.js';
import type { SupportView } from '../status/snapshot.js';
import type { Shell } from '../targets/index.js';
import { errorLine, remoteLine } from '../text/remote-text.js';
import { BACKUP_RECORDS_PATH, parseBackupRecords, type BackupRecord } from './backup-files.js';
import { dropletNodes } from './deploy-droplets.js';
import type { ConnectNodes } from './manager.js';

/** How long the support droplet has to answer `true` over SSH (and hand over its backup records). */
export const DEFAULT_SUPPORT_TIMEOUT_MS = 10_000;

/** The support droplet is asked from anywhere but itself (its crontab runs the check there), and not for --target local. */
export const asksSupport = (state: State | undefined, target: 'local' | undefined): state is State => target !== 'local' && state?.target === 'digitalocean' && state.runsOn === undefined;

/** What the support droplet answered. */
export interface SupportReading {
  view: SupportView;
  /**
   * Each volume's last scheduled backup run, as recorded there (its crontab runs `backup now --scheduled`).
   * Empty when it did not answer, no run is recorded there yet, or its records file is damaged (the next
   * run there writes it again).
   */
  backups: Record<string, BackupRecord>;
}

/**
 * Whether the support droplet answers over SSH (`true`, within the limit), at its public address with
 * the project's key and the host key the state pins; then, over the same connection and within the same
 * limit, its backup records. Undefined when the state records no support droplet.
 */
export async function supportAnswer(dir: string, state: State, connect: ConnectNodes, limitMs: number): Promise<SupportReading | undefined> {
  const recorded = state.cloud.droplets.find((droplet) => droplet.role === 'support');
  if (!recorded) return undefined;
  const name = recorded.name;
  const unreachable = (error: string): SupportReading => ({ view: { name, state: 'unreachable', error }, backups: {} });
  const node = dropletNodes(state).find((candidate) => candidate.role === 'support');
  if (!node) return unreachable(`the state records it ${recorded.status}, without a public address`);
  if (!existsSync(sshKeyPath(dir))) return unreachable(`no SSH key at ${sshKeyPath(dir)} to reach it with`);
  const deadline = Date.now() + limitMs;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limitMs);
  try {
    const remote = await connect({ dir, store: new StateStore(dir, state), nodes: [node] });
    try {
      const shell = remote.target.shell(name);
      const answer = await shell.probe(reachable, { signal: abort.signal, timeoutMs: limitMs });
      if (answer.exitCode !== 0) return unreachable(remoteLine(answer.stderr.trim().split('\n').pop() || `exit ${answer.exitCode}`));
      return { view: { name, state: 'ok' }, backups: await scheduledBackups(shell, state.project, abort.signal, deadline) };
    } finally {
      await remote.dispose();
    }
  } catch (error) {
    return unreachable(abort.signal.aborted ? `no answer within ${limitMs / 1000} s` : remoteLine(errorLine(error)));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The records file in the support server's copy of the project. It answered already: a file it cannot
 * read, a damaged one, or the limit running out meanwhile is no records, not an unreachable server.
 * The errors in it are remote text, made safe to show.
 */
async function scheduledBackups(shell: Shell, project: string, signal: AbortSignal, deadline: number): Promise<Record<string, BackupRecord>> {
  try {
    const read = await shell.probe(readSupportRecords(`${remoteProjectDir({ project })}/${BACKUP_RECORDS_PATH}`), { signal, timeoutMs: Math.max(1, deadline - Date.now()) });
    if (read.exitCode !== 0 || read.stdout.trim() === '') return {};
    const records = parseBackupRecords(read.stdout) ?? {};
    return Object.fromEntries(Object.entries(records).map(([volume, record]) => [volume, record.error === undefined ? record : { ...record, error: remoteLine(record.error) }]));
  } catch {
    return {};
  }
}
