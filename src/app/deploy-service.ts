import { readFile } from 'node:fs/promises';
import { stackObjectName } from '../../recipes/names.js';
import { writeFileAtomic } from '../config/fs-atomic.js';
import { serviceImage, serviceUpdateImage, withoutDigest } from '../commands/index.js';
import { configFromYaml, withServiceImage, type Config } from '../config/index.js';
import type { Shell } from '../targets/target.js';
import { NotDeployedError, reachManager } from './manager.js';
import { followUpdate, readUpdateStatus, ServiceUpdateFailed } from './service-update.js';
import { changingProject } from './project-lock.js';
import { RunFailed, UsageError } from './errors.js';

export interface DeployServiceOptions {
  config: Config;
  /** swarm-wiz.yaml: the new image is recorded there once the update went through. */
  configPath: string;
  dir: string;
  /** The service's name in swarm-wiz.yaml (a site's service or a private one). */
  service: string;
  image: string;
  onProgress?(line: string): void;
  signal?: AbortSignal;
  /** How long the rolling update may take before the command gives up waiting (default 10 minutes). */
  timeoutMs?: number;
  pollMs?: number;
}

export interface DeployServiceResult {
  /** The Swarm service (`<project>_<service>`). */
  service: string;
  from: string;
  to: string;
  outcome: 'updated' | 'unchanged';
}

/** The update did not go through (rolled back, paused, or not done in time); `hint` says what to do. */
export class ServiceDeployError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'ServiceDeployError';
  }
}

/** The service is not in swarm-wiz.yaml: a usage error; `hint` names the services there are. */
export class UnknownServiceError extends ServiceDeployError {
  constructor(message: string, hint: string) {
    super(message, hint);
    this.name = 'UnknownServiceError';
  }
}

export interface ServiceDeployRequest {
  configPath: string;
  dir: string;
  service: string;
  image: string;
}

/**
 * `swarm-wiz deploy SERVICE --image REF` as a use case: the image is checked as swarm-wiz.yaml would
 * check it (UsageError naming the key), an unknown service is a UsageError, a failed update RunFailed
 * with what to do.
 */
export async function deployOneService(request: ServiceDeployRequest, onProgress?: (line: string) => void): Promise<DeployServiceResult> {
  const { ConfigError, loadConfig, parseConfig } = await import('../config/index.js');
  const config = await loadConfig(request.configPath);
  const { service, image } = request;
  try {
    parseConfig({ ...config, sites: config.sites.map((site) => ({ ...site, service: site.service.name === service ? { ...site.service, image } : site.service, private: site.private.map((svc) => (svc.name === service ? { ...svc, image } : svc)) })) });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`--image: ${error.issues.map((issue) => `  ${issue.path}: ${issue.reason}`).join(' ').trim() || error.message}`);
    throw error;
  }
  try {
    return await deployService({ config, ...request, ...(onProgress ? { onProgress } : {}) });
  } catch (error) {
    if (error instanceof UnknownServiceError) throw new UsageError(`${error.message}\n${error.hint}`);
    if (error instanceof ServiceDeployError) throw new RunFailed(`${error.message}\n${error.hint}`);
    throw error;
  }
}

/** Where the service is in swarm-wiz.yaml, or an error naming the services there are. */
function findService(config: Config, name: string): (string | number)[] {
  for (const [i, site] of config.sites.entries()) {
    if (site.service.name === name) return ['sites', i, 'service'];
    const j = site.private.findIndex((svc) => svc.name === name);
    if (j >= 0) return ['sites', i, 'private', j];
  }
  const names = config.sites.flatMap((site) => [site.service.name, ...site.private.map((svc) => svc.name)]);
  throw new UnknownServiceError(`no service ${name} in swarm-wiz.yaml`, `Services: ${names.join(', ')}.`);
}

/**
 * `swarm-wiz deploy SERVICE --image REF` (the article's CI/CD step): a rolling update of one service to
 * a new image under its own update settings (start-first, or stop-first with volumes; gated on its
 * health check), followed until Swarm says it completed or rolled back. Only a completed update is
 * recorded in swarm-wiz.yaml (comments and layout kept), so the next apply deploys the same image.
 */
export function deployService(options: DeployServiceOptions): Promise<DeployServiceResult> {
  return changingProject(options.dir, 'deploy', () => rollOutService(options));
}

async function rollOutService(options: DeployServiceOptions): Promise<DeployServiceResult> {
  const { config } = options;
  const path = findService(config, options.service);
  const swarmService = stackObjectName(config, options.service);
  const progress = options.onProgress ?? (() => undefined);
  const { target, manager, dispose } = await reachManager({ dir: options.dir, project: config.project }).catch((error: unknown) => {
    throw error instanceof NotDeployedError ? new ServiceDeployError(error.message, error.hint) : error;
  });
  try {
    const shell = target.shell(manager);
    const current = await shell.probe(serviceImage(swarmService), { signal: options.signal });
    if (current.exitCode !== 0) throw new ServiceDeployError(`${swarmService} is not running on ${manager}: ${current.stderr.trim()}`, 'Run swarm-wiz apply first: it deploys the stack.');
    const from = withoutDigest(current.stdout);
    let outcome: DeployServiceResult['outcome'] = 'unchanged';
    if (from !== options.image) {
      const before = await readUpdateStatus(shell, swarmService);
      progress(`${swarmService}: ${from} → ${options.image}`);
      await shell.run(serviceUpdateImage(swarmService, options.image), { signal: options.signal });
      await followImageUpdate(options, shell, swarmService, before.startedAt, from);
      outcome = 'updated';
    }
    // Recorded only now: a failed or rolled-back update leaves swarm-wiz.yaml as it was.
    const text = await readFile(options.configPath, 'utf8');
    const updated = withServiceImage(text, path, options.image);
    if (updated !== text) {
      configFromYaml(updated, options.configPath);
      await writeFileAtomic(options.configPath, updated, 0o644);
    }
    return { service: swarmService, from, to: options.image, outcome };
  } finally {
    await dispose();
  }
}

/** Follows the update; a rollback, a pause or a timeout becomes the command's error, worded for deploy. */
async function followImageUpdate(options: DeployServiceOptions, shell: Shell, service: string, previousStart: string, from: string): Promise<void> {
  try {
    await followUpdate(shell, service, previousStart, {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    });
  } catch (error) {
    if (!(error instanceof ServiceUpdateFailed)) throw error;
    const { outcome } = error;
    if (outcome.kind === 'timeout') {
      throw new ServiceDeployError(error.message, `Swarm goes on with it: docker service ps ${service} shows where it is. swarm-wiz.yaml was not changed.`);
    }
    throw new ServiceDeployError(
      `${error.message}; ${outcome.kind === 'rolled-back' ? `Swarm rolled back to ${from}` : `the update is ${outcome.state.replace('_', ' ')}`}`,
      `swarm-wiz.yaml still names ${from}. docker service ps --no-trunc ${service} shows each task's error; fix the image (it must start and pass its health check), then deploy again.`,
    );
  }
}
