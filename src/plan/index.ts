export type * from './types.js';
export { planCloud, summarise, hasChanges } from './plan-cloud.js';
export { formatPlan, formatStep } from './format.js';
export * from './names.js';
export { isOperatorAddress } from './firewall.js';
export { zoneOf } from '../config/domain-name.js';
export { recordedIp } from './dns.js';
export { planDestroy } from './destroy.js';
export type * from './deploy-types.js';
export { planDeploy, planRenew, leadManager, dataHolder, secretsToSetAgain, proxyNodesOf, UNREACHABLE, deployHasChanges, DeployPlanError, type DeployFacts, type NodeFacts } from './deploy.js';
export { cloudPhases, type CloudPhase, type CloudPhaseName } from './cloud-phases.js';
export { planSupport, type SupportFacts } from './support.js';
export { unifiedDiff, capDiff, diffText, DIFF_LINES_SHOWN, type DiffLine } from './file-diff.js';
export {
  classifyFile,
  classifyFiles,
  decideFileWrites,
  editedPaths,
  isSecretMaterial,
  sha256Of,
  type FileChange,
  type FileStatus,
  type FileWriteDecision,
  type OnDiskFile,
} from './file-changes.js';
export { ON_EDIT_CHOICES, type OnEdit } from '../state/file-records.js';
export { FILE_MARK, fileNote, fileSummary, formatFileChanges } from './file-format.js';
export { costHeadline, costItemLine, formatCost, LOAD_BALANCER_NODE_PRICE, projectCost, usd, type CostItem, type PricesMissing, type ProjectCost, type SizePrices } from './cost.js';
export { planDataHolds, dataMemoryAfter, dataHoldLines, type DataHolds, type DataMemory } from './data-holds.js';
