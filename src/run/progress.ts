import type { DeployStep, DeployStepKind, DeployStepOp, PlanStep, StepKind } from '../plan/index.js';
import type { ApplyEvent, FailureReason } from './events.js';

/** `stopped`: was in progress when the run was interrupted. */
export type RowStatus = 'pending' | 'running' | 'waiting' | 'done' | 'failed' | 'stopped' | 'unchanged' | 'manual';

/** One resource on the progress screen. */
export interface ProgressRow {
  id: string;
  kind: StepKind | DeployStepKind | 'account';
  op: DeployStepOp;
  name: string;
  status: RowStatus;
  startedAt?: number;
  endedAt?: number;
  message?: string;
  reason?: FailureReason;
}

export interface ProgressState {
  rows: ProgressRow[];
  account?: string;
  /** The latest retry, shown until the next event of another kind. */
  retrying?: { what: string; attempt: number; delayMs: number; reason: string };
  outcome: 'running' | 'finished' | 'failed' | 'aborted';
  abortMessage?: string;
  manualDns: string[];
  /** What the deploy plan warns of before it runs (a swarm that is gone, a secret to set again, a support server made again). */
  warnings: string[];
}

export const initialProgress: ProgressState = { rows: [], outcome: 'running', manualDns: [], warnings: [] };

/** The deploy steps' kinds: their warnings are shown as the run starts (a cloud step's warning is what apply leaves alone, shown by the plan). */
const DEPLOY_KINDS = { node: true, swarm: true, preflight: true, 'proxy-files': true, stack: true, certificate: true, support: true } as const satisfies Record<DeployStepKind, true>;

/** The warnings of planned deploy steps, each once. */
export function plannedWarnings(steps: readonly (PlanStep | DeployStep)[]): string[] {
  return [...new Set(steps.flatMap((step) => (step.kind in DEPLOY_KINDS && step.warning ? [step.warning] : [])))];
}

function rowFor(step: PlanStep | DeployStep): ProgressRow {
  const status: RowStatus = step.kind === 'manual-dns' ? 'manual' : step.op === 'same' ? 'unchanged' : 'pending';
  return { id: step.id, kind: step.kind, op: step.op, name: step.name, status };
}

const updateRow = (state: ProgressState, id: string, change: (row: ProgressRow) => ProgressRow): ProgressState => {
  const known = state.rows.some((r) => r.id === id);
  const rows = known ? state.rows : [...state.rows, { id, kind: 'account' as const, op: 'same' as const, name: id, status: 'pending' as const }];
  return { ...state, rows: rows.map((r) => (r.id === id ? change(r) : r)) };
};

/** Folds executor events into what the progress screen shows. Pure. */
export function progressReducer(state: ProgressState, event: ApplyEvent): ProgressState {
  switch (event.type) {
    case 'verified':
      return { ...state, account: event.email };
    case 'planned':
      return { ...state, rows: [...(event.append ? state.rows : []), ...event.steps.map(rowFor)], warnings: [...new Set([...(event.append ? state.warnings : []), ...plannedWarnings(event.steps)])] };
    case 'step-started':
      return updateRow({ ...state, retrying: undefined }, event.stepId, (r) => ({ ...r, status: 'running', startedAt: r.startedAt ?? event.at, endedAt: undefined }));
    case 'step-progress':
      return updateRow(state, event.stepId, (r) => ({ ...r, message: event.message }));
    case 'waiting': {
      const ids = new Set(event.stepIds);
      return { ...state, rows: state.rows.map((r) => (ids.has(r.id) ? { ...r, status: 'waiting', message: event.message, endedAt: undefined } : r)) };
    }
    case 'step-done':
      return updateRow({ ...state, retrying: undefined }, event.stepId, (r) => ({ ...r, status: r.kind === 'manual-dns' ? 'manual' : 'done', endedAt: event.at, message: event.message }));
    case 'step-failed':
      return { ...updateRow(state, event.stepId, (r) => ({ ...r, status: 'failed', endedAt: event.at, reason: event.reason })), outcome: 'failed' };
    case 'retrying':
      return { ...state, retrying: { what: event.what, attempt: event.attempt, delayMs: event.delayMs, reason: event.reason } };
    case 'aborted':
      return {
        ...state,
        rows: state.rows.map((r) => (r.status === 'running' || r.status === 'waiting' ? { ...r, status: 'stopped' } : r)),
        outcome: 'aborted',
        abortMessage: event.message,
        retrying: undefined,
      };
    case 'finished':
      return { ...state, outcome: state.outcome === 'running' ? 'finished' : state.outcome, manualDns: event.manualDns, retrying: undefined };
  }
}
