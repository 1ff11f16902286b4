export { runApply, gatherFacts, type ApplyOptions, type ApplyResult, type ApiTuning } from './provision.js';
export { runDestroy, type DestroyOptions } from './destroy.js';
