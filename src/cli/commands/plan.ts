import type { Command } from 'commander';
import type { PlanFacts } from '../../plan/index.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { cloudEnv, writeLine, type CliIo } from '../io.js';
import { ON_EDIT_HELP, parseOnEdit } from '../on-edit-option.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

interface PlanOptions extends CommonOptions {
  operatorIp?: string;
  onEdit?: string;
}

/** `swarm-wiz plan`: what apply would create, update or delete at DigitalOcean, and each generated file it would write or change. Changes nothing. */
export function registerPlanCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('plan'))
    .description('show the cloud resources apply would create, update or delete, and the files it would write (a unified diff of each that changes); changes nothing')
    .option('--operator-ip <ip>', 'your public address, allowed to reach SSH on the droplets (default: SWARM_WIZ_OPERATOR_IP)')
    .option('--on-edit <choice>', `${ON_EDIT_HELP} (plan only shows what apply would do with it)`)
    .action(async (options: PlanOptions) => planCommand(options, io));
}

async function planCommand(options: PlanOptions, io: CliIo): Promise<void> {
  const onEditFlag = parseOnEdit(options.onEdit);
  const [{ loadConfig, showValue }, { formatFileChanges, formatPlan, isOperatorAddress, planCloud, summarise }, { loadProjectState }, { projectFiles }, { inspectProjectFiles }, { fileJson }] = await Promise.all([
    import('../../config/index.js'),
    import('../../plan/index.js'),
    import('../project-state.js'),
    import('../project-output.js'),
    import('../file-guard.js'),
    import('../file-json.js'),
  ]);
  const { configPath, dir } = projectPaths(options, io);
  const config = await loadConfig(configPath);
  let state = await loadProjectState(io, dir, config.project);
  const env = cloudEnv(io.env);
  const operatorIp = options.operatorIp ?? env.operatorIp;
  if (operatorIp !== undefined && !isOperatorAddress(operatorIp)) {
    throw new CliExit(EXIT.usage, `${options.operatorIp ? '--operator-ip' : 'SWARM_WIZ_OPERATOR_IP'} ${showValue(operatorIp)} is not an IP address (like 203.0.113.7) or a CIDR block.`);
  }
  const { token, apiUrl } = env;
  let facts: PlanFacts = operatorIp ? { operatorIp } : {};
  const notes: string[] = [];
  if (token) {
    const [{ createCloudApi }, { gatherFacts }, { describeFailure }] = await Promise.all([import('../../adapters/digitalocean/index.js'), import('../../app/index.js'), import('../../run/index.js')]);
    const cloud = createCloudApi({ token, ...(apiUrl ? { baseUrl: apiUrl } : {}) });
    try {
      const gathered = await gatherFacts(cloud, config, state, operatorIp);
      facts = gathered.facts;
      state = gathered.state;
      if (gathered.adopted.length > 0) notes.push(`Found under the project tag but not in the state (apply will record them): ${gathered.adopted.join(', ')}`);
      if (gathered.vanished.length > 0) notes.push(`In the state but gone from DigitalOcean (apply will create them again): ${gathered.vanished.join(', ')}`);
    } catch (error) {
      const reason = describeFailure('reading the DigitalOcean account', error);
      throw new CliExit(EXIT.failure, `${reason.message}\n${reason.hint}`);
    }
  } else {
    notes.push('DIGITALOCEAN_TOKEN is not set: planned from .swarm-wiz/state.json alone; DigitalOcean DNS was not checked.');
  }
  const steps = planCloud(config, state, facts);
  // The files as apply would write them now, against the disk and what swarm-wiz recorded writing.
  const inspection = await inspectProjectFiles(dir, projectFiles(config, state));
  const onEdit = onEditFlag ?? inspection.records.onEdit;
  if (options.json) {
    const files = inspection.changes.map(fileJson);
    writeLine(io.stdout, JSON.stringify({ project: config.project, steps, summary: summarise(steps), files, ...(onEdit ? { onEdit } : {}), notes }, null, 2));
    return;
  }
  for (const note of notes) writeLine(io.stdout, note);
  if (notes.length > 0) writeLine(io.stdout);
  // The files first, so the cloud plan's summary stays the last line (as terraform plan ends).
  writeLine(io.stdout, `Files in ${dir}:`);
  writeLine(io.stdout, formatFileChanges(inspection.changes, onEdit ? { onEdit } : {}));
  writeLine(io.stdout);
  writeLine(io.stdout, formatPlan(steps, { showSame: options.verbose }));
}
