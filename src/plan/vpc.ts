import type { Config } from '../config/index.js';
import type { State } from '../state/index.js';
import { stepId, vpcName } from './names.js';
import type { VpcStep } from './types.js';

/** One private network per project: swarm traffic and SSH from the support server stay inside it. */
export function planVpc(config: Config, state: State): VpcStep[] {
  const name = vpcName(config.project);
  const recorded = state.cloud.vpc;
  return [
    {
      kind: 'vpc',
      op: recorded ? 'same' : 'create',
      id: stepId('vpc', name),
      name,
      region: recorded?.region ?? config.region,
      description:
        recorded && recorded.region !== config.region
          ? `VPC ${name} in ${recorded.region}; config says ${config.region}: destroy and apply to move the project`
          : `VPC ${name} in ${config.region}`,
      ...(recorded ? { recordedId: recorded.id } : {}),
      ...(recorded && recorded.region !== config.region ? { warning: `the VPC is in ${recorded.region}, config says ${config.region}: destroy and apply to move the project` } : {}),
    },
  ];
}
