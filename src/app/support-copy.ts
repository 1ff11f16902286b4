import { remoteProjectDir } from '../../recipes/names.js';
import { makeDir, writeFile } from '../commands/index.js';
import { SWARM_WIZ_DIR } from '../config/private-dir.js';
import { loadState, StateStore, type State } from '../state/index.js';
import { errorLine } from '../text/remote-text.js';
import { dropletNodes } from './deploy-droplets.js';
import type { ConnectNodes } from './manager.js';
import { remoteTarget } from './remote.js';

/** Where the support server's copy of a file stands: copied now, left for the next apply (and why), or none to copy to. */
export type SupportCopy = { copied: string } | { later: string } | { none: true };

/** The support droplet the state records, when this is the operator's folder of a project on droplets. */
function supportNodeOf(state: State) {
  if (state.target !== 'digitalocean' || state.runsOn) return undefined;
  return dropletNodes(state).find((node) => node.role === 'support');
}

/**
 * Writes a file of `.swarm-wiz/` (`path`, relative to the project folder: alerts.json, backup.json) into
 * the support server's copy of the project, atomically and 0600, when the project runs on droplets: its
 * cron runs use it from their next run. One it cannot reach gets it from the next apply (SUPPORT_FILES).
 * `secrets`: the values in `text` to redact from any error (see Command.secrets).
 */
export async function copyToSupport(dir: string, project: string, path: string, text: string, options: { connect?: ConnectNodes; secrets?: readonly string[] } = {}): Promise<SupportCopy> {
  const state = await loadState(dir, project).catch(() => undefined);
  const support = state ? supportNodeOf(state) : undefined;
  if (!state || !support) return { none: true };
  const remoteDir = remoteProjectDir({ project });
  let remote: Awaited<ReturnType<ConnectNodes>> | undefined;
  try {
    remote = await (options.connect ?? remoteTarget)({ dir, store: new StateStore(dir, state), nodes: [support] });
    const shell = remote.target.shell(support.name);
    // The secrets in the text travel on stdin only, and are redacted from any error.
    const writes = writeFile(`${remoteDir}/${path}`, text, 0o600).map((command) => (command.stdin !== undefined && options.secrets ? { ...command, secrets: [...options.secrets] } : command));
    for (const command of [...makeDir(`${remoteDir}/${SWARM_WIZ_DIR}`, 0o700), ...writes]) {
      await shell.run(command, { timeoutMs: 30_000 });
    }
    return { copied: support.name };
  } catch (error) {
    return { later: `${support.name} could not be reached (${errorLine(error)}); the next apply copies it` };
  } finally {
    await remote?.dispose();
  }
}
