import type { DeployStep, PlanStep } from '../plan/index.js';

/** What a failed step tells the user: what went wrong and what to do about it. */
export interface FailureReason {
  message: string;
  hint: string;
}

/**
 * The executor's progress, as it happens. Screens and `--json` render these; nothing else is
 * needed to show a row per resource with its status, elapsed time and failure.
 */
export type ApplyEvent =
  | { type: 'verified'; email: string }
  /** `append`: rows of a later part of the run (the deploy after the cloud), added below the ones shown. */
  | { type: 'planned'; steps: (PlanStep | DeployStep)[]; append?: boolean }
  | { type: 'step-started'; stepId: string; at: number }
  | { type: 'step-progress'; stepId: string; message: string }
  | { type: 'step-done'; stepId: string; message: string; at: number }
  | { type: 'step-failed'; stepId: string; reason: FailureReason; at: number }
  | { type: 'waiting'; stepIds: string[]; message: string }
  | { type: 'retrying'; what: string; attempt: number; delayMs: number; reason: string }
  | { type: 'aborted'; message: string }
  | { type: 'finished'; created: number; updated: number; deleted: number; manualDns: string[] };

export type ApplyEventListener = (event: ApplyEvent) => void;
