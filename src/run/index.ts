export type { ApplyEvent, ApplyEventListener, FailureReason } from './events.js';
export { ApplyAborted, StepFailed, describeFailure } from './failure.js';
export { DEFAULT_TIMING, type Timing } from './context.js';
export { reconcileDroplets, forgetVanished } from './adopt.js';
export { progressReducer, initialProgress, plannedWarnings, type ProgressRow, type ProgressState, type RowStatus } from './progress.js';
