import type { GeneratedFile } from '../../recipes/index.js';
import type { Config } from '../config/index.js';
import { planCloud, projectCost, type PlanFacts, type PlanStep, type PricesMissing, type ProjectCost, type SizePrices } from '../plan/index.js';
import type { State } from '../state/index.js';
import type { CloudCredentials } from './credentials.js';
import { inspectProjectFiles, projectFiles, type FileInspection } from './project-files.js';
import { loadProjectState } from './project-state.js';

/** Everything the review shows and apply does, computed before anything is written. */
export interface ProjectPreview {
  config: Config;
  dir: string;
  files: GeneratedFile[];
  /** Every generated file against the disk and .swarm-wiz/files.json. */
  inspection: FileInspection;
  /** The caller saves swarm-wiz.yaml too (wizard, --example), so the review lists it. */
  savesConfig: boolean;
  /** The provisioning engine's plan against the recorded state. */
  steps: PlanStep[];
  planOnly: boolean;
  /** Where the project was deployed (state.json), if anywhere. */
  target?: 'local' | 'digitalocean';
  /** What the project costs a month at DigitalOcean (droplet prices unknown without a token). */
  cost: ProjectCost;
}

interface PreviewOptions {
  planOnly: boolean;
  savesConfig: boolean;
  /** What a look-up at DigitalOcean found (DNS zones, operator IP); none when plan-only. */
  facts?: PlanFacts;
  prices: SizePrices | PricesMissing;
}

/**
 * Renders every file (pure) and lists the cloud resources. Throws before any write if a recipe
 * fails, so a failure never leaves a half-generated project. swarm-wiz.yaml itself is saved by
 * the caller (saveConfig), never by a recipe.
 */
function previewProject(config: Config, dir: string, state: State, inspection: FileInspection, { planOnly, savesConfig, facts, prices }: PreviewOptions): ProjectPreview {
  const files = inspection.changes.map((change) => change.file);
  return { config, dir, files, inspection, savesConfig, steps: planCloud(config, state, facts), planOnly, ...(state.target ? { target: state.target } : {}), cost: projectCost(config, prices) };
}

/**
 * The preview against the recorded state and, with a token, what DigitalOcean has and what its
 * droplets cost (a bad token stops here, before anything is written). The DigitalOcean client is loaded only with a token.
 * `renderFor` local: the files as --target local writes them.
 */
export async function previewWithCloud(
  config: Config,
  dir: string,
  credentials: CloudCredentials,
  savesConfig: boolean,
  warn: (line: string) => void,
  renderFor?: 'local',
): Promise<ProjectPreview> {
  const loaded = await loadProjectState(dir, config.project, warn);
  // --target local renders the files for this machine even before the state records it.
  const recorded = renderFor ? { ...loaded, target: renderFor } : loaded;
  const { token } = credentials;
  const { state, facts, prices } = token
    ? await (await import('./cloud-lookup.js')).lookUpCloud(config, recorded, { ...credentials, token }, { what: 'checking the DigitalOcean account', nothingChanged: true, prices: true })
    : { state: recorded, facts: {}, prices: 'no-token' as const };
  const inspection = await inspectProjectFiles(dir, projectFiles(config, state));
  return previewProject(config, dir, state, inspection, { planOnly: !token, savesConfig, facts, prices: prices ?? 'no-token' });
}
