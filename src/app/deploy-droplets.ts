import { dnsEntryPoints } from '../adapters/acme/entry-points.js';
import { entryPointsFromState } from './state-entry-points.js';
import { StepFailed } from '../run/failure.js';
import { loadState, StateStore, type State } from '../state/index.js';
import { reachable, cloudInitDone, cloudInitFailure } from '../commands/index.js';
import { errorLine, remoteLine } from '../text/remote-text.js';
import { pause } from '../run/context.js';
import { NodeUnreachable, TargetError } from '../targets/errors.js';
import type { Target, TargetNode } from '../targets/target.js';
import type { DeployResult, DeployRunOptions } from './deploy-project.js';
import { deployRemote, remoteTarget } from './remote.js';
import type { SupportSetup } from './support.js';
import { BundleError, swarmWizBundle } from '../adapters/bundle.js';
import { readOptional } from '../config/fs-atomic.js';
import { changingProject } from './project-lock.js';

export interface DropletDeployOptions extends DeployRunOptions {
  /** dns-01: the DigitalOcean token, copied to the support server so its renewals can create TXT records. */
  dnsToken?: string;
}

/**
 * The droplets the state records as running, as nodes to reach over SSH (the support server too). `via`
 * `private`: from inside the VPC (the support server's own renew), each node is reached at its VPC address.
 */
export function dropletNodes(state: State, via: 'public' | 'private' = 'public'): TargetNode[] {
  const address = (droplet: State['cloud']['droplets'][number]) => (via === 'private' ? droplet.privateIpv4 : droplet.publicIpv4);
  return state.cloud.droplets
    .filter((droplet) => droplet.status === 'active' && address(droplet))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((droplet) => ({
      name: droplet.name,
      role: droplet.role,
      publicIp: address(droplet)!,
      ...(droplet.privateIpv4 ? { privateIp: droplet.privateIpv4 } : {}),
    }));
}

/**
 * After provisioning: the swarm, the stack and the certificates on the droplets the state records,
 * over SSH. The support droplet holds the ACME webroot (cloud-init serves it on port 80) and gets
 * swarm-wiz and a copy of the project to renew from its crontab. On the support server itself (its
 * copy of the state says `runsOn`), that node is this machine and the others are reached over the VPC.
 */
export function deployDroplets(options: DropletDeployOptions): Promise<DeployResult> {
  return changingProject(options.dir, options.certificatesOnly ? 'renew' : 'apply', () => deployOverSsh(options));
}

async function deployOverSsh(options: DropletDeployOptions): Promise<DeployResult> {
  const { config, dir } = options;
  const state = await loadState(dir, config.project);
  const here = state.runsOn;
  const nodes = dropletNodes(state, here ? 'private' : 'public');
  const support = nodes.find((node) => node.role === 'support');
  if (!nodes.some((node) => node.role === 'manager') || !support?.privateIp) {
    throw new StepFailed('nodes', {
      message: 'the state records no running manager and support droplet with addresses',
      hint: 'Run swarm-wiz apply with DIGITALOCEAN_TOKEN set: it creates the droplets first.',
    });
  }
  const store = new StateStore(dir, state);
  if (state.target !== 'digitalocean') await store.update((s) => void (s.target = 'digitalocean'));
  if (here && here !== support.name) {
    throw new StepFailed('nodes', { message: `this copy of the project runs on ${here}, but the support droplet is ${support.name}`, hint: `Run swarm-wiz apply from your own machine: it updates the copy on ${support.name}.` });
  }
  const remote = await remoteTarget({ dir, store, nodes, ...(here ? { local: here } : {}) });
  try {
    // renew runs on droplets that were set up long ago: a node it cannot reach is left to the plan (planRenew
    // goes on without a worker it does not need), not waited for five minutes.
    if (!options.certificatesOnly) await waitUntilReady(remote.target, nodes, options);
    return await deployRemote({
      ...options,
      store,
      target: remote.target,
      supportNode: support.name,
      supportAddress: support.privateIp,
      entryPoints: entryPointsFromState(config, state, 80, dnsEntryPoints({ port: 80 })),
      ...(here ? {} : { support: await supportSetup(options, support) }),
    });
  } finally {
    await remote.dispose();
  }
}

/**
 * A droplet reports `active` before its sshd answers and before cloud-init has installed Docker: wait
 * (bounded) until each node answers over SSH, then until cloud-init is done there.
 */
async function waitUntilReady(target: Target, nodes: readonly TargetNode[], options: DeployRunOptions): Promise<void> {
  const emit = options.onEvent ?? (() => undefined);
  await Promise.all(
    nodes.map(async (node) => {
      const shell = target.shell(node.name);
      const deadline = Date.now() + 5 * 60_000;
      for (let attempt = 1; ; attempt++) {
        try {
          await shell.run(reachable, { ...(options.signal ? { signal: options.signal } : {}), timeoutMs: 30_000 });
          break;
        } catch (error) {
          if (!(error instanceof NodeUnreachable) || Date.now() > deadline) throw toStepFailed(node.name, error);
          emit({ type: 'retrying', what: `reaching ${node.name} over SSH`, attempt, delayMs: 5000, reason: errorLine(error) });
          await pause({ signal: options.signal }, 5000);
        }
      }
      const done = await shell.probe(cloudInitDone, { ...(options.signal ? { signal: options.signal } : {}), timeoutMs: 20 * 60_000 });
      if (done.exitCode === 1) {
        throw new StepFailed(`node:${node.name}`, {
          message: `cloud-init failed on ${node.name}: ${remoteLine(cloudInitFailure(done.stdout))}`,
          hint: `Look at /var/log/cloud-init-output.log on ${node.name} (ssh -i .swarm-wiz/ssh/id_ed25519 root@${node.publicIp}); recreate the droplet if it cannot be fixed, then run apply again.`,
        });
      }
    }),
  );
}

/** What the support server gets besides the project folder: swarm-wiz itself, the CA to trust, the token for dns-01. */
async function supportSetup(options: DropletDeployOptions, support: TargetNode): Promise<SupportSetup> {
  const caCertPem = options.caCertFile ? await readOptional(options.caCertFile) : undefined;
  let bundle: Promise<string> | undefined;
  return {
    node: support.name,
    address: support.privateIp!,
    // Read once per run (the plan and the step both ask): it walks the sources and reads 8 MiB.
    bundle: () =>
      (bundle ??= swarmWizBundle().then(
        (found) => found.content,
        (error: unknown) => {
          if (error instanceof BundleError) throw new StepFailed(`support:${support.name}`, { message: error.message, hint: error.hint });
          throw error;
        },
      )),
    ...(caCertPem ? { caCertPem } : {}),
    ...(options.dnsToken && options.config.certificates.challenge === 'dns-01' ? { token: options.dnsToken } : {}),
  };
}

function toStepFailed(node: string, error: unknown): unknown {
  if (error instanceof TargetError) return new StepFailed(`node:${node}`, { message: `${node}: ${error.summary}`, hint: error.hint });
  return error;
}
