import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import type { Config } from '../config/index.js';
import { loadProjectState } from './project-state.js';
import { CliExit, EXIT } from './exit.js';
import { prompterOf, writeLine, type CliIo } from './io.js';
import type { OnEdit } from '../plan/index.js';
import { chooseOnEdit, inspectProjectFiles, stopIfEdited } from './file-guard.js';
import { failedFilesMessage, projectFiles, showFileChanges, writeDecidedFiles, type ProgressDisplay } from './project-output.js';
import { progressMode, withLiveProgress } from './provision-cloud.js';
import { afterInk } from './terminal-handoff.js';

export interface LocalApplyRequest {
  config: Config;
  dir: string;
  io: CliIo;
  yes: boolean;
  json: boolean;
  /** --on-edit: what to do with a generated file edited by hand (else the remembered choice, a question, or stop). */
  onEdit?: OnEdit;
  advertiseAddr?: string;
  caCertFile?: string;
  /** dns-01: the DigitalOcean API for the TXT records, and DNS servers to check them at. */
  cloudApi?: CloudApi;
  dnsServers?: string[];
}

const RESUME_LINE = 'Interrupted: what was done so far is recorded in .swarm-wiz/state.json. Run apply --target local again to finish.';

/**
 * `swarm-wiz apply --target local`: writes the project's files (rendered for this machine), then runs
 * the whole flow on this machine's Docker engine with live progress.
 */
export async function applyLocalCommand(request: LocalApplyRequest): Promise<void> {
  const { io, config, dir } = request;
  const state = await loadProjectState(io, dir, config.project);
  const inspection = await inspectProjectFiles(dir, projectFiles(config, { ...state, target: 'local' }));
  const display: ProgressDisplay = request.json ? 'none' : io.isTTY ? 'ink' : 'lines';
  const flag = request.onEdit ? { flag: request.onEdit } : {};
  let choice;
  if (!request.yes) {
    if (!io.isTTY) throw new CliExit(EXIT.usage, 'apply --target local needs a confirmation: pass --yes to apply without questions (no terminal to ask on).');
    await showFileChanges(io, dir, inspection, request.onEdit ?? inspection.records.onEdit, display);
    afterInk(io);
    choice = await chooseOnEdit(io, inspection, { ...flag, interactive: true });
    const prompter = await prompterOf(io);
    const go = await prompter.confirm({ message: `Deploy ${config.project} (${config.sites.length} sites) to this machine's Docker engine as a one-node swarm?`, default: true });
    if (!go) throw new CliExit(EXIT.failure, 'Cancelled; nothing was written.');
  } else {
    choice = await chooseOnEdit(io, inspection, { ...flag, interactive: false });
    await showFileChanges(io, dir, inspection, choice.onEdit, display);
  }
  await stopIfEdited(dir, inspection, choice);
  const outcome = await writeDecidedFiles(io, dir, inspection, choice, display);
  if (outcome.failed.length > 0) throw new CliExit(EXIT.failure, failedFilesMessage(outcome));
  await deployLocally(io, config, dir, request);
}

type LocalRunOptions = Pick<LocalApplyRequest, 'json' | 'advertiseAddr' | 'caCertFile' | 'cloudApi' | 'dnsServers'>;

/** applyLocal under live progress (Ctrl-C / SIGTERM handled); `renew` runs only the certificate phases. */
async function runLocally(io: CliIo, config: Config, dir: string, request: LocalRunOptions, renew?: { force: boolean }) {
  const { applyLocal } = await import('../app/apply-local.js');
  const mode = progressMode(io, request.json);
  const interrupted = renew
    ? { shown: (by: string) => `Interrupted (${by}): the orders in flight finished and were recorded.`, exit: 'Interrupted: run renew again.' }
    : { shown: (by: string) => `Interrupted (${by}): the steps in flight finished and were recorded.`, exit: RESUME_LINE };
  const result = await withLiveProgress({ io, mode, project: config.project, action: 'apply', interrupted }, (onEvent, signal) =>
    applyLocal({
      config,
      dir,
      onEvent,
      signal,
      ...(renew ? { certificatesOnly: true, forceCertificates: renew.force } : {}),
      ...(request.advertiseAddr ? { advertiseAddr: request.advertiseAddr } : {}),
      ...(request.caCertFile ? { caCertFile: request.caCertFile } : {}),
      ...(request.cloudApi ? { cloudApi: request.cloudApi } : {}),
      ...(request.dnsServers ? { dnsServers: request.dnsServers } : {}),
    }),
  );
  return { result, mode };
}

/** Runs the local deploy with live progress and reports what it did (the files are already written). */
export async function deployLocally(io: CliIo, config: Config, dir: string, request: LocalRunOptions = { json: false }): Promise<void> {
  const { result, mode } = await runLocally(io, config, dir, request);
  const changed = result.phases.flatMap((phase) => phase.steps).filter((step) => step.op !== 'same');
  if (request.json) {
    writeLine(io.stdout, JSON.stringify({ project: config.project, target: 'local', changed: changed.map(({ kind, name, op }) => ({ kind, name, op })), issued: result.issued }));
    return;
  }
  if (mode === 'lines') {
    writeLine(io.stdout, changed.length === 0 ? 'This machine already runs the project as swarm-wiz.yaml says: nothing changed.' : `This machine: ${changed.length} step${changed.length === 1 ? '' : 's'} done.`);
  }
  writeLine(io.stdout, `Serving on this machine (ports 80 and 443): ${config.sites.map((site) => `https://${site.domain}/`).join(' ')}`);
}

export interface LocalRenewRequest {
  config: Config;
  dir: string;
  io: CliIo;
  json: boolean;
  force: boolean;
  caCertFile?: string;
  cloudApi?: CloudApi;
  dnsServers?: string[];
}

/**
 * `swarm-wiz renew` in a project deployed with --target local: orders what is due (everything with
 * --force) through the running proxy and rolls it out in the same run — the proxy folder synced, checked
 * with nginx -t and reloaded in place. A failure leaves the served certificate as it was; exit 1.
 */
export async function renewLocalCommand(request: LocalRenewRequest): Promise<void> {
  const { io, config, dir } = request;
  const { result, mode } = await runLocally(io, config, dir, request, { force: request.force });
  if (request.json) {
    writeLine(io.stdout, JSON.stringify({ project: config.project, target: 'local', renewed: result.issued }));
    return;
  }
  if (io.isTTY && result.issued.length === 0) writeLine(io.stdout, 'Nothing to renew.');
  if (result.issued.length > 0 && mode !== 'lines') writeLine(io.stdout, `Renewed and rolled out: ${result.issued.join(', ')}.`);
}
