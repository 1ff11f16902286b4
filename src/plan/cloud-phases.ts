import type { Phase, PlanStep } from './types.js';

/**
 * What a cloud phase does with the steps it holds. A droplet step appears in several phases (created,
 * then awaited; a retag adds tags before DNS moves and removes them after), so the phase says which part.
 */
export type CloudPhaseName = 'basics' | 'create' | 'settle' | 'dns' | 'retag' | 'delete';

export type CloudPhase = Phase<CloudPhaseName, PlanStep>;

const changing = (step: PlanStep) => step.op === 'create' || step.op === 'update';

/**
 * The cloud plan as phases, in dependency order: tags, SSH key and VPC; droplets (one bulk create per
 * role), tags they gain and the load balancer; firewalls (they may name the load balancer) while the
 * droplets and the load balancer come up; DNS (needs their IPs); tags the droplets lose once DNS has
 * moved; then each removal on its own, from the outside in. Pure.
 */
export function cloudPhases(steps: readonly PlanStep[]): CloudPhase[] {
  const of = (kinds: PlanStep['kind'][], keep: (step: PlanStep) => boolean = changing) => steps.filter((step) => kinds.includes(step.kind) && keep(step));
  const creates = (step: PlanStep) => step.op === 'create';
  const phases: CloudPhase[] = [
    { name: 'basics', steps: of(['tag', 'ssh-key', 'vpc'], creates) },
    { name: 'create', steps: [...of(['droplet']), ...of(['load-balancer'])] },
    // Every droplet and load balancer that will exist is awaited (one made by an interrupted run, too).
    { name: 'settle', steps: [...of(['firewall']), ...of(['droplet', 'load-balancer'], (step) => step.op !== 'delete')] },
    { name: 'dns', steps: of(['dns-record']) },
    { name: 'retag', steps: of(['droplet'], (step) => step.op === 'update') },
    ...steps.filter((step) => step.op === 'delete').map((step): CloudPhase => ({ name: 'delete', steps: [step] })),
  ];
  return phases.filter((phase) => phase.steps.length > 0);
}
