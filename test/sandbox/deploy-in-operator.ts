/**
 * Runs swarm-wiz's deploy over SSH from inside the sandbox cluster's operator namespace (the test
 * process, in the root namespace, cannot reach the nodes). Started by the test as
 * `ip netns exec <operator> node --import tsx test/sandbox/deploy-in-operator.ts <args.json>`;
 * prints the result as one JSON line and exits 0, or prints the error and exits 1.
 */
import { readFileSync } from 'node:fs';
import type { RegistryCredentials } from '../../recipes/registry-login.js';
import { staticEntryPoints } from '../../src/adapters/acme/entry-points.js';
import { deployRemote, remoteTarget } from '../../src/app/remote.js';
import { parseConfig } from '../../src/config/index.js';
import { loadState, StateStore } from '../../src/state/index.js';
import type { DeployTiming } from '../../src/run/deploy-context.js';
import type { TargetNode } from '../../src/targets/target.js';

export interface DeployInOperatorArgs {
  dir: string;
  /** The config as parseConfig takes it. */
  config: unknown;
  nodes: TargetNode[];
  supportNode: string;
  supportAddress: string;
  supportPort: number;
  entryPoints: { address: string; port: number }[];
  timing?: Partial<DeployTiming>;
  /** delivery: image: the login for the push (as the CLI reads it from the environment). */
  registryLogin?: RegistryCredentials;
}

/** Printed as the last line of stdout when the deploy fails: the steps it had planned. */
export interface DeployInOperatorFailure {
  failed: true;
  planned: { id: string; op: string }[];
}

let planned: { id: string; op: string }[] = [];
const startedAt = new Map<string, number>();
const durations: Record<string, number> = {};

export interface DeployInOperatorResult {
  phases: { name: string; steps: { id: string; op: string; description: string }[] }[];
  issued: string[];
  ms: number;
  /** How long each step that ran took (step id → ms). */
  durations: Record<string, number>;
}

async function main(argsFile: string): Promise<void> {
  const args = JSON.parse(readFileSync(argsFile, 'utf8')) as DeployInOperatorArgs;
  const config = parseConfig(args.config);
  const store = new StateStore(args.dir, await loadState(args.dir, config.project));
  const started = Date.now();
  const remote = await remoteTarget({ dir: args.dir, store, nodes: args.nodes, port: 22 });
  try {
    const result = await deployRemote({
      config,
      dir: args.dir,
      store,
      target: remote.target,
      supportNode: args.supportNode,
      supportAddress: args.supportAddress,
      supportPort: args.supportPort,
      entryPoints: staticEntryPoints(args.entryPoints),
      resolveImage: 'never',
      ...(args.timing ? { timing: args.timing } : {}),
      onEvent: (event) => {
        if (event.type === 'planned') planned = [...planned, ...event.steps.map((step) => ({ id: step.id, op: step.op }))];
        if (event.type === 'step-started') startedAt.set(event.stepId, event.at);
        if (event.type === 'step-done' || event.type === 'step-failed') durations[event.stepId] = event.at - (startedAt.get(event.stepId) ?? event.at);
      },
      ...(args.registryLogin ? { registryLogin: args.registryLogin } : {}),
    });
    const output: DeployInOperatorResult = {
      phases: result.phases.map((phase) => ({ name: phase.name, steps: phase.steps.map((step) => ({ id: step.id, op: step.op, description: step.description })) })),
      issued: result.issued,
      ms: Date.now() - started,
      durations,
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } finally {
    await remote.dispose();
  }
}

main(process.argv[2] ?? '').then(
  () => process.exit(0),
  (error: unknown) => {
    const failure = error as { message?: string; hint?: string };
    const output: DeployInOperatorFailure = { failed: true, planned };
    process.stdout.write(`${JSON.stringify(output)}\n`);
    process.stderr.write(`deploy failed: ${failure.message ?? String(error)}${failure.hint ? `\nhint: ${failure.hint}` : ''}\n`);
    process.exit(1);
  },
);
