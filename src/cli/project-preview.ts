import type { GeneratedFile } from '../../recipes/index.js';
import type { ReviewFile } from '../../screens/review.js';
import type { Config } from '../config/index.js';
import type { PlanStep } from '../plan/index.js';
import type { FileInspection } from './file-guard.js';

/** Everything the review screen shows and apply does locally, computed before anything is written. */
export interface ProjectPreview {
  config: Config;
  dir: string;
  files: GeneratedFile[];
  /** Every generated file against the disk and .swarm-wiz/files.json. */
  inspection: FileInspection;
  /** What the review lists: swarm-wiz.yaml (when the caller saves it) and every generated file. */
  reviewFiles: ReviewFile[];
  /** The provisioning engine's plan against the recorded state. */
  steps: PlanStep[];
  planOnly: boolean;
  /** Where the project was deployed (state.json), if anywhere. */
  target?: 'local' | 'digitalocean';
}
