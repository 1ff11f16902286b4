import { summarise } from './plan-cloud.js';
import type { PlanStep, StepOp } from './types.js';

const SIGN: Record<StepOp, string> = { create: '+', update: '~', delete: '-', same: ' ' };

/** One Terraform-style line: `+ create droplet demo-worker-1  worker droplet …`. */
export function formatStep(step: PlanStep): string {
  if (step.kind === 'manual-dns') return `! by hand ${step.kind.padEnd(13)} ${step.name}  ${step.description}`;
  return `${SIGN[step.op]} ${step.op.padEnd(7)} ${step.kind.padEnd(13)} ${step.name}  ${step.description}`;
}

/** The summary line under the steps. */
export function formatSummary(steps: readonly PlanStep[]): string {
  const c = summarise(steps);
  const manual = c.manual > 0 ? ` ${c.manual} DNS record${c.manual === 1 ? '' : 's'} to create by hand (listed above).` : '';
  if (c.create + c.update + c.delete === 0) return `No changes: DigitalOcean matches swarm-wiz.yaml (${c.same} resources).${manual}`;
  return `Plan: ${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${c.same} unchanged.${manual}`;
}

/** The whole plan as text; unchanged resources only with `showSame` (like `terraform plan`). */
export function formatPlan(steps: readonly PlanStep[], options: { showSame?: boolean } = {}): string {
  const shown = steps.filter((s) => options.showSame || s.op !== 'same' || s.kind === 'manual-dns' || s.warning);
  const lines = shown.flatMap((s) => (s.warning ? [formatStep(s), `    ! not changed by apply: ${s.warning}`] : [formatStep(s)]));
  return [...lines, '', formatSummary(steps)].join('\n');
}
