import type { Config } from '../config/index.js';
import { isOperatorAddress, planCloud, projectCost, summarise, type OnEdit, type PlanFacts, type PlanStep, type PricesMissing, type ProjectCost, type SizePrices } from '../plan/index.js';
import type { CloudCredentials } from './credentials.js';
import { UsageError } from './errors.js';
import { inspectProjectFiles, projectFiles, type FileInspection } from './project-files.js';
import { loadProjectState } from './project-state.js';

export interface PlanRequest {
  configPath: string;
  dir: string;
  /** --operator-ip, else SWARM_WIZ_OPERATOR_IP (credentials); named in the error when it is no address. */
  operatorIp?: { value: string; from: string };
  credentials: CloudCredentials;
  /** --on-edit: plan only shows what apply would do with it. */
  onEdit?: OnEdit;
}

export interface ProjectPlan {
  config: Config;
  steps: PlanStep[];
  summary: ReturnType<typeof summarise>;
  /** The files as apply would write them now, against the disk and what swarm-wiz recorded writing. */
  inspection: FileInspection;
  onEdit?: OnEdit;
  /** What the plan was made from, said before it (no token: the state alone; resources found or gone). */
  notes: string[];
  /** What the project costs a month once applied (droplet prices from the API: unknown without a token). */
  cost: ProjectCost;
}

/**
 * `swarm-wiz plan`: what apply would do, changing nothing. With a token it reads the account (DNS
 * zones, droplets found under the project tag or gone, the droplet prices); without one it plans from
 * the state alone, and the prices are unknown.
 */
export async function planProject(request: PlanRequest, warn: (line: string) => void): Promise<ProjectPlan> {
  const { loadConfig, showValue } = await import('../config/index.js');
  const config = await loadConfig(request.configPath);
  let state = await loadProjectState(request.dir, config.project, warn);
  const operatorIp = request.operatorIp?.value;
  if (request.operatorIp && !isOperatorAddress(request.operatorIp.value)) {
    throw new UsageError(`${request.operatorIp.from} ${showValue(request.operatorIp.value)} is not an IP address (like 203.0.113.7) or a CIDR block.`);
  }
  const { token } = request.credentials;
  let facts: PlanFacts = operatorIp ? { operatorIp } : {};
  const notes: string[] = [];
  let prices: SizePrices | PricesMissing = 'no-token';
  if (token) {
    const { lookUpCloud } = await import('./cloud-lookup.js');
    const found = await lookUpCloud(config, state, { ...request.credentials, token, operatorIp }, { what: 'reading the DigitalOcean account', nothingChanged: false, prices: true });
    facts = found.facts;
    prices = found.prices ?? prices;
    state = found.state;
    if (found.adopted.length > 0) notes.push(`Found under the project tag but not in the state (apply will record them): ${found.adopted.join(', ')}`);
    if (found.vanished.length > 0) notes.push(`In the state but gone from DigitalOcean (apply will create them again): ${found.vanished.join(', ')}`);
  } else {
    notes.push('DIGITALOCEAN_TOKEN is not set: planned from .swarm-wiz/state.json alone; DigitalOcean DNS was not checked.');
  }
  const steps = planCloud(config, state, facts);
  const inspection = await inspectProjectFiles(request.dir, projectFiles(config, state));
  const onEdit = request.onEdit ?? inspection.records.onEdit;
  return { config, steps, summary: summarise(steps), inspection, ...(onEdit ? { onEdit } : {}), notes, cost: projectCost(config, prices) };
}
