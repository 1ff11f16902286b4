import type { Command } from 'commander';
import type { PlanFacts } from '../../plan/index.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { cloudEnv, writeLine, type CliIo } from '../io.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

interface PlanOptions extends CommonOptions {
  operatorIp?: string;
}

/** `swarm-wiz plan`: what apply would create, update or delete at DigitalOcean. Changes nothing. */
export function registerPlanCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('plan'))
    .description('show the cloud resources apply would create, update or delete (changes nothing)')
    .option('--operator-ip <ip>', 'your public address, allowed to reach SSH on the droplets (default: SWARM_WIZ_OPERATOR_IP)')
    .action(async (options: PlanOptions) => planCommand(options, io));
}

async function planCommand(options: PlanOptions, io: CliIo): Promise<void> {
  const [{ loadConfig, showValue }, { formatPlan, isOperatorAddress, planCloud, summarise }, { loadProjectState }] = await Promise.all([
    import('../../config/index.js'),
    import('../../plan/index.js'),
    import('../project-state.js'),
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
  if (options.json) {
    writeLine(io.stdout, JSON.stringify({ project: config.project, steps, summary: summarise(steps), notes }, null, 2));
    return;
  }
  for (const note of notes) writeLine(io.stdout, note);
  if (notes.length > 0) writeLine(io.stdout);
  writeLine(io.stdout, formatPlan(steps, { showSame: options.verbose }));
}
