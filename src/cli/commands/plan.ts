import type { Command } from 'commander';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { cloudEnv, writeLine, type CliIo } from '../io.js';
import { ON_EDIT_HELP, parseOnEdit } from '../on-edit-option.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

interface PlanOptions extends CommonOptions {
  operatorIp?: string;
  onEdit?: string;
}

/** `swarm-wiz plan`: what apply would create, update or delete at DigitalOcean, each generated file it would write or change, and what the project costs a month. Changes nothing. */
export function registerPlanCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('plan'))
    .description('show the cloud resources apply would create, update or delete, the files it would write (a unified diff of each that changes) and the monthly cost; changes nothing')
    .option('--operator-ip <ip>', 'your public address, allowed to reach SSH on the droplets (default: SWARM_WIZ_OPERATOR_IP)')
    .option('--on-edit <choice>', `${ON_EDIT_HELP} (plan only shows what apply would do with it)`)
    .action(async (options: PlanOptions) => planCommand(options, io));
}

async function planCommand(options: PlanOptions, io: CliIo): Promise<void> {
  const onEditFlag = parseOnEdit(options.onEdit);
  const [{ planProject }, { formatCost, formatFileChanges, formatPlan }, { fileJson }] = await Promise.all([import('../../app/plan-project.js'), import('../../app/plan-text.js'), import('../../app/file-json.js')]);
  const { configPath, dir } = projectPaths(options, io);
  const env = cloudEnv(io.env);
  const operatorIp = options.operatorIp !== undefined ? { value: options.operatorIp, from: '--operator-ip' } : env.operatorIp !== undefined ? { value: env.operatorIp, from: 'SWARM_WIZ_OPERATOR_IP' } : undefined;
  const plan = await planProject(
    { configPath, dir, credentials: { ...env, env: io.env }, ...(operatorIp ? { operatorIp } : {}), ...(onEditFlag ? { onEdit: onEditFlag } : {}) },
    (line) => writeLine(io.stderr, line),
  );
  const { config, steps, inspection, onEdit, notes, cost } = plan;
  if (options.json) {
    const files = inspection.changes.map(fileJson);
    writeLine(io.stdout, JSON.stringify({ project: config.project, steps, summary: plan.summary, files, ...(onEdit ? { onEdit } : {}), notes, cost }, null, 2));
    return;
  }
  for (const note of notes) writeLine(io.stdout, note);
  if (notes.length > 0) writeLine(io.stdout);
  // The files first, so the cloud plan's summary stays the last line (as terraform plan ends).
  writeLine(io.stdout, `Files in ${dir}:`);
  writeLine(io.stdout, formatFileChanges(inspection.changes, onEdit ? { onEdit } : {}));
  writeLine(io.stdout);
  writeLine(io.stdout, formatCost(cost));
  writeLine(io.stdout);
  writeLine(io.stdout, formatPlan(steps, { showSame: options.verbose }));
}
