import type { RegistryCredentials } from '../../recipes/registry-login.js';
import type { Config } from '../config/index.js';
import type { CertificateMeta } from '../adapters/certificate-metadata.js';
import type { CertificateStep } from '../plan/index.js';
import type { StateStore } from '../state/index.js';
import type { Command } from '../commands/index.js';
import type { Shell, Target } from '../targets/target.js';
import { throwIfAborted } from './context.js';
import type { EngineContext } from './engine.js';

/** One file the proxy folder must hold: its content and mode (keys 0600). */
export interface ProxyFile {
  content: string;
  mode: number;
}

/** What the stack step deploys: see DeployContext.stackSpec. */
export interface StackSpec {
  compose: string;
  env: Record<string, string>;
  hash: string;
  /** Relative to the compose file's folder. */
  files: Map<string, ProxyFile>;
  /** delivery: image — the proxy image to build on the manager first (from `<folder>/proxy`). */
  build?: ProxyImageBuild;
}

/** delivery: image — the proxy image built on the manager, and pushed when other nodes must pull it. */
export interface ProxyImageBuild {
  tag: string;
  /** Droplets: push to the config's registry (after `docker login` when credentials are given); --target local pushes nothing. */
  push?: {
    login?: RegistryCredentials;
    /** Where `docker login` keeps the login on the manager (DOCKER_CONFIG), read again by the push and the stack deploy. */
    dockerConfig?: string;
  };
}

/** What the support step installs: given by the use case, read when the step runs (after this run's certificates). */
export interface SupportContext {
  /** The copy of the project folder: relative path → content and mode (`bin/swarm-wiz` is swarm-wiz itself). */
  files(): Promise<Map<string, ProxyFile>>;
  /** root's crontab there (the generated support/crontab). */
  crontab: string;
  /** Where its own SSH key is made (inside the copy: `.swarm-wiz/ssh/id_ed25519`). */
  keyPath: string;
  /** Names the key in authorized_keys; a line with it is replaced when the key changes. */
  keyComment: string;
  /** The authorized_keys line for its public key (restricted to its VPC address). */
  authorizedLine(publicKey: string): string;
  /** The swarm nodes it reaches (every one: renew reads the swarm and reloads the proxies). */
  swarmNodes: string[];
  /** The oldest Node.js major version swarm-wiz runs on. */
  minNodeMajor: number;
}

export interface DeployTiming {
  /** Between two looks at the stack while it converges. */
  pollIntervalMs: number;
  /** How long the stack may take to run every task before the step fails with each task's error. */
  convergeTimeoutMs: number;
  /** How long the network check retries a request over the overlay network before it names the pair as blocked. */
  preflightTimeoutMs: number;
  /** How long the stack step waits for a replaced service's tasks to be gone before it deploys anyway. */
  serviceRemovalTimeoutMs: number;
}

export const DEFAULT_DEPLOY_TIMING: DeployTiming = { pollIntervalMs: 2_000, convergeTimeoutMs: 5 * 60_000, preflightTimeoutMs: 20_000, serviceRemovalTimeoutMs: 60_000 };

/** Everything the deploy handlers need; built once per run by the use case. */
export interface DeployContext extends EngineContext {
  config: Config;
  store: StateStore;
  target: Target;
  timing: DeployTiming;
  /** What the proxy folder must hold, read when the step runs (a certificate step may just have changed it). */
  proxyFiles(): Promise<Map<string, ProxyFile>>;
  /**
   * docker-compose.yml's text, the values it interpolates (known once the swarm runs: the support
   * address), and the files it names that go beside it (delivery: secrets: nginx.conf and the certificates).
   */
  stackSpec(): Promise<StackSpec>;
  /** Orders one certificate and stores it; the served one is replaced only by the rollout that follows. */
  issue(step: CertificateStep): Promise<CertificateMeta>;
  /**
   * After a reload: waits (bounded) until the node serves the stored certificate for every site; resolves
   * with what it still serves wrong, or undefined. nginx reloads asynchronously after SIGHUP.
   */
  servedMatches?(node: string): Promise<string | undefined>;
  /** `never` when the images exist only on the nodes (--target local). */
  resolveImage: 'always' | 'changed' | 'never';
  /** The support server's setup (droplets only). */
  support?: SupportContext;
}

/** Runs commands one after the other on one node (stopping between them when interrupted), their output as the step's progress; the last one's stdout. */
export async function runAll(ctx: DeployContext, stepId: string, shell: Shell, commands: readonly Command[]): Promise<string> {
  let last = '';
  for (const command of commands) {
    throwIfAborted(ctx);
    const result = await shell.run(command, { signal: ctx.signal, onOutput: (line) => ctx.emit({ type: 'step-progress', stepId, message: line }) });
    last = result.stdout;
  }
  return last;
}
