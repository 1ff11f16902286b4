import { dnsEntryPoints } from '../adapters/acme/entry-points.js';
import { entryPointsFromState } from '../certs/state-entry-points.js';
import type { Config } from '../config/index.js';
import type { DeployTiming } from '../run/deploy-context.js';
import type { ApplyEventListener } from '../run/events.js';
import { StepFailed } from '../run/failure.js';
import { loadState, StateStore, type State } from '../state/index.js';
import type { TargetNode } from '../targets/target.js';
import type { DeployResult } from './deploy.js';
import { deployRemote, remoteTarget } from './remote.js';

export interface DropletDeployOptions {
  config: Config;
  dir: string;
  caCertFile?: string;
  forceCertificates?: boolean;
  certificatesOnly?: boolean;
  onEvent?: ApplyEventListener;
  signal?: AbortSignal;
  timing?: Partial<DeployTiming>;
}

/** The droplets the state records as running, as nodes to reach over SSH (the support server too). */
export function dropletNodes(state: State): TargetNode[] {
  return state.cloud.droplets
    .filter((droplet) => droplet.status === 'active' && droplet.publicIpv4)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((droplet) => ({
      name: droplet.name,
      role: droplet.role,
      publicIp: droplet.publicIpv4!,
      ...(droplet.privateIpv4 ? { privateIp: droplet.privateIpv4 } : {}),
    }));
}

/**
 * After provisioning: the swarm, the stack and the certificates on the droplets the state records,
 * over SSH. The support droplet holds the ACME webroot (cloud-init serves it on port 80).
 */
export async function deployDroplets(options: DropletDeployOptions): Promise<DeployResult> {
  const { config, dir } = options;
  const state = await loadState(dir, config.project);
  const nodes = dropletNodes(state);
  const support = nodes.find((node) => node.role === 'support');
  if (!nodes.some((node) => node.role === 'manager') || !support?.privateIp) {
    throw new StepFailed('nodes', {
      message: 'the state records no running manager and support droplet with addresses',
      hint: 'Run swarm-wiz apply with DIGITALOCEAN_TOKEN set: it creates the droplets first.',
    });
  }
  const store = new StateStore(dir, state);
  if (state.target !== 'digitalocean') await store.update((s) => void (s.target = 'digitalocean'));
  const remote = await remoteTarget({ dir, store, nodes });
  try {
    return await deployRemote({
      config,
      dir,
      store,
      target: remote.target,
      supportNode: support.name,
      supportAddress: support.privateIp,
      entryPoints: entryPointsFromState(config, state, 80, dnsEntryPoints({ port: 80 })),
      ...(options.caCertFile ? { caCertFile: options.caCertFile } : {}),
      ...(options.forceCertificates ? { forceCertificates: true } : {}),
      ...(options.certificatesOnly ? { certificatesOnly: true } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timing ? { timing: options.timing } : {}),
    });
  } finally {
    await remote.dispose();
  }
}
