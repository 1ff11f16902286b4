export type * from './types.js';
export { planCloud, summarise, hasChanges } from './plan-cloud.js';
export { formatPlan, formatStep } from './format.js';
export * from './names.js';
export { isOperatorAddress } from './firewall.js';
export { zoneOf, recordedIp } from './dns.js';
export { planDestroy } from './destroy.js';
export type * from './deploy-types.js';
export { planDeploy, proxyNodesOf, deployHasChanges, DeployPlanError, type DeployFacts, type NodeFacts } from './deploy.js';
