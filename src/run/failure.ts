import { DigitalOceanError } from '../adapters/digitalocean/index.js';
import type { ApplyEventListener, FailureReason } from './events.js';

/** Thrown when the AbortSignal fired: what exists is recorded, `apply` again resumes. */
export class ApplyAborted extends Error {
  constructor() {
    super('interrupted: every resource created so far is recorded in .swarm-wiz/state.json; run apply again to resume');
    this.name = 'ApplyAborted';
  }
}

/** A step failed; the run stopped after the steps in flight settled. */
export class StepFailed extends Error {
  constructor(readonly stepId: string, readonly reason: FailureReason) {
    super(`${stepId}: ${reason.message}\n${reason.hint}`);
    this.name = 'StepFailed';
  }
}

/** Reports `reason` as the failure of each step in `stepIds`; returns the error to throw, named after the first. */
export function failSteps(emit: ApplyEventListener, stepIds: readonly string[], reason: FailureReason): StepFailed {
  for (const stepId of stepIds) emit({ type: 'step-failed', stepId, reason, at: Date.now() });
  return new StepFailed(stepIds[0]!, reason);
}

const statusOf = (error: unknown): number | undefined => {
  const value = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof value === 'number' ? value : undefined;
};

/** `what` failed because of `error`: a message naming both and what the user can do next. */
export function describeFailure(what: string, error: unknown): FailureReason {
  if (error instanceof DigitalOceanError) {
    const answer = error.status === undefined ? error.kind : `HTTP ${error.status}`;
    const tries = error.details.attempts && error.details.attempts > 1 ? ` after ${error.details.attempts} attempts` : '';
    return {
      message: `${what} failed: DigitalOcean ${error.request.method} ${error.request.path} answered ${answer}${tries}${error.apiMessage ? `: ${error.apiMessage}` : ''}`,
      hint: `What to do: ${error.hint}.`,
    };
  }
  const detail = error instanceof Error ? error.message : String(error);
  const status = statusOf(error);
  const resume = 'Run apply again to continue: what exists is recorded and will not be created twice.';
  if (status === 401) return { message: `${what}: DigitalOcean refused the token (401): ${detail}`, hint: 'Check DIGITALOCEAN_TOKEN: create a token with read and write scope under API → Tokens and export it.' };
  if (status === 403) return { message: `${what}: the token may not do this (403): ${detail}`, hint: 'Give the token write scope (or the missing scope named above), then run apply again.' };
  if (status === 404) return { message: `${what}: not found (404): ${detail}`, hint: `It may have been deleted outside swarm-wiz. ${resume}` };
  if (status === 422) return { message: `${what}: DigitalOcean rejected the request (422): ${detail}`, hint: 'Fix the value it names in swarm-wiz.yaml (region, size, a limit of the account), then run apply again.' };
  if (status === 429) return { message: `${what}: still rate limited after retrying (429): ${detail}`, hint: `Wait a few minutes for the API limit to reset. ${resume}` };
  if (status !== undefined && status >= 500) return { message: `${what}: DigitalOcean had an error (${status}) and retries did not help: ${detail}`, hint: `Check status.digitalocean.com. ${resume}` };
  return { message: `${what}: ${detail}`, hint: resume };
}

/** 300 → `0.3`, 600000 → `600`: for messages. */
export function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** For `.catch`: a 404 (deleted outside swarm-wiz, or already gone) becomes undefined; anything else is rethrown. */
export function undefinedIfGone(error: unknown): undefined {
  if (statusOf(error) === 404) return undefined;
  throw error;
}
