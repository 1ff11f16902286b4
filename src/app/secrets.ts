import { declaredSecrets, secretVersionName, servicesUsingSecret } from '../../recipes/names.js';
import {
  newestVersions,
  parseCreatedAt,
  parseServiceSecrets,
  parseSwarmInfo,
  secretCreate,
  secretCreatedAt,
  secretRemove,
  serviceNames,
  serviceSecrets,
  serviceSwapSecret,
  swarmInfo,
  type SecretVersion,
} from '../commands/index.js';
import type { Config } from '../config/index.js';
import type { Shell } from '../targets/target.js';
import { NotDeployedError, reachManager } from './manager.js';
import { currentSecretVersions } from './secret-versions.js';
import { followUpdate, readUpdateStatus, ServiceUpdateFailed } from './service-update.js';
import { changingProject } from './project-lock.js';
import { RunFailed, UsageError } from './errors.js';

/** The largest value Swarm stores as one secret (500 KiB). */
export const SECRET_VALUE_MAX = 500 * 1024;

/** Something the user asked for cannot be done as asked; `usage` marks a bad name or value (exit 2). */
export class SecretError extends Error {
  constructor(message: string, readonly hint: string, readonly usage = false) {
    super(message);
    this.name = 'SecretError';
  }
}

/** A name some service declares, else a usage error listing the declared ones. */
export function checkDeclared(config: Config, name: string): void {
  const declared = declaredSecrets(config);
  if (declared.includes(name)) return;
  throw new SecretError(
    `no service in swarm-wiz.yaml declares the secret ${name}`,
    declared.length > 0
      ? `Declared secrets: ${declared.join(', ')}. A new one goes in a service's secrets: list first.`
      : "No service declares a secret yet: add it to a service's secrets: list (like secrets: [db_password]) first.",
    true,
  );
}

/** The value as given: one trailing newline (what `echo` and most editors add) is not part of it. */
export function secretValueOf(input: Uint8Array): Buffer {
  let value = Buffer.from(input);
  if (value.at(-1) === 0x0a) value = value.subarray(0, value.at(-2) === 0x0d ? -2 : -1);
  if (value.length === 0) throw new SecretError('the value is empty', 'Give the value on stdin (printf %s "$VALUE" | swarm-wiz secret set NAME) or type it at the prompt.', true);
  if (value.length > SECRET_VALUE_MAX) throw new SecretError(`the value is ${value.length} bytes; Swarm stores at most ${SECRET_VALUE_MAX} bytes in a secret`, 'Store a smaller value (a key, a password), not a whole file of data.', true);
  return value;
}

/** A manager of the project, checked to be one: the engine there manages a swarm. */
async function swarmManager(dir: string, config: Config, local: boolean) {
  const access = await reachManager({ dir, project: config.project, ...(local ? { target: 'local' as const } : {}) }).catch((error: unknown) => {
    throw error instanceof NotDeployedError ? new SecretError(error.message, error.hint) : error;
  });
  const shell = access.target.shell(access.manager);
  const info = parseSwarmInfo((await shell.run(swarmInfo)).stdout);
  if (!info.isManager) {
    await access.dispose();
    throw new SecretError(
      `${access.manager === 'local' ? "this machine's Docker engine" : access.manager} is not a swarm manager`,
      local ? 'Run swarm-wiz apply --target local first (it initialises the swarm, and stops before deploying while a secret is not set).' : 'Run swarm-wiz apply first.',
    );
  }
  return { shell, manager: access.manager, dispose: access.dispose };
}

/** Which Swarm secret each service of the swarm mounts (Swarm service name → secrets). */
async function secretsInUse(shell: Shell): Promise<Map<string, { swarmName: string; target: string }[]>> {
  const services = (await shell.run(serviceNames)).stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  return services.length === 0 ? new Map() : parseServiceSecrets((await shell.run(serviceSecrets(services))).stdout);
}

export interface SetSecretOptions {
  config: Config;
  dir: string;
  name: string;
  /** The value, as secretValueOf returns it. Never logged, never written to a file: it goes to the manager on stdin. */
  value: Uint8Array;
  /** `--target local`: this machine's engine, whatever the state records. */
  local?: boolean;
  onProgress?(line: string): void;
  signal?: AbortSignal;
  timeoutMs?: number;
  pollMs?: number;
}

export interface SetSecretResult {
  name: string;
  version: number;
  /** The Swarm secret now holding the value (`<project>_<name>_v<N>`). */
  swarmName: string;
  /** Swarm services moved to the new version by a completed rolling update. */
  updated: string[];
  /** Older versions removed (no service used them any more). */
  removed: string[];
}

/**
 * `swarm-wiz secret set NAME`: the value becomes the next version of the secret, a new Swarm secret made
 * on a manager from stdin. Every deployed service that mounts the secret is moved to it by a rolling
 * update under its own update settings (gated on its health check); then versions no service uses any
 * more are removed (the newest is always kept). A rollback stops with SecretError naming the service.
 */
export function setSecret(options: SetSecretOptions): Promise<SetSecretResult> {
  return changingProject(options.dir, 'secret set', () => storeNextVersion(options));
}

async function storeNextVersion(options: SetSecretOptions): Promise<SetSecretResult> {
  const { config, name } = options;
  checkDeclared(config, name);
  const progress = options.onProgress ?? (() => undefined);
  const { shell, dispose } = await swarmManager(options.dir, config, options.local ?? false);
  try {
    const versions = await currentSecretVersions(shell, config.project, options.signal);
    const version = Math.max(0, ...versions.filter((v) => v.name === name).map((v) => v.version)) + 1;
    const swarmName = secretVersionName(config.project, name, version);
    await shell.run(secretCreate(config.project, name, version, options.value), options.signal ? { signal: options.signal } : {});
    progress(`stored ${name} as ${swarmName}`);
    const ours = (candidate: string) => versions.some((v) => v.name === name && v.swarmName === candidate);
    const users = [...(await secretsInUse(shell))].flatMap(([service, secrets]) => secrets.filter((secret) => ours(secret.swarmName)).map((secret) => ({ service, ...secret })));
    const updated: string[] = [];
    for (const user of users) {
      const before = await readUpdateStatus(shell, user.service, options.signal);
      progress(`${user.service}: ${user.swarmName} → ${swarmName} (rolling update)`);
      await shell.run(serviceSwapSecret(user.service, user.swarmName, swarmName, user.target), options.signal ? { signal: options.signal } : {});
      try {
        await followUpdate(shell, user.service, before.startedAt, {
          onProgress: progress,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        });
      } catch (error) {
        if (!(error instanceof ServiceUpdateFailed)) throw error;
        const back = error.outcome.kind === 'rolled-back' ? `; Swarm rolled ${user.service} back to ${user.swarmName}` : '';
        // Nothing runs on the new value: it goes, so the next apply (which deploys the newest version) does not roll it out again.
        const withdrawn = updated.length === 0 && error.outcome.kind === 'rolled-back' && (await shell.probe(secretRemove(swarmName))).exitCode === 0;
        throw new SecretError(
          withdrawn
            ? `the new value of ${name} was not kept: ${error.message}${back}. ${swarmName} was removed again, so ${user.swarmName} stays the current version`
            : `${name} is stored as ${swarmName}, but ${error.message}${back}`,
          `${updated.length > 0 ? `Already updated: ${updated.join(', ')}. ` : ''}docker service ps --no-trunc ${user.service} shows each task's error. Fix the value (or the service) and run swarm-wiz secret set ${name} again.`,
        );
      }
      updated.push(user.service);
    }
    const removed = await removeUnused(shell, config.project, name);
    return { name, version, swarmName, updated, removed };
  } finally {
    await dispose();
  }
}

/** Removes the versions of `name` that no service mounts, except the newest. */
async function removeUnused(shell: Shell, project: string, name: string): Promise<string[]> {
  const versions = (await currentSecretVersions(shell, project)).filter((v) => v.name === name);
  const newest = newestVersions(versions).get(name);
  const used = new Set([...(await secretsInUse(shell)).values()].flat().map((secret) => secret.swarmName));
  const removed: string[] = [];
  for (const version of versions) {
    if (version.swarmName === newest?.swarmName || used.has(version.swarmName)) continue;
    // A service that started to use it meanwhile makes Swarm refuse: it is then kept, as it should be.
    if ((await shell.probe(secretRemove(version.swarmName))).exitCode === 0) removed.push(version.swarmName);
  }
  return removed;
}

export interface SecretListing {
  name: string;
  /** False: declared in swarm-wiz.yaml but never set. */
  set: boolean;
  version?: number;
  swarmName?: string;
  createdAt?: string;
  /** Services that declare it in swarm-wiz.yaml. */
  declaredBy: string[];
  /** Swarm services that mount a version of it now, with the version they mount. */
  usedBy: { service: string; version: number }[];
  /** Stored in the swarm, but no service in swarm-wiz.yaml declares it any more. */
  undeclared: boolean;
}

/** `swarm-wiz secret ls`: each declared or stored secret, its current version and who uses it; never a value. */
export async function listSecrets(options: { config: Config; dir: string; local?: boolean }): Promise<SecretListing[]> {
  const { config } = options;
  const { shell, dispose } = await swarmManager(options.dir, config, options.local ?? false);
  try {
    const versions = await currentSecretVersions(shell, config.project);
    const newest = newestVersions(versions);
    const created = newest.size > 0 ? parseCreatedAt((await shell.run(secretCreatedAt([...newest.values()].map((v) => v.swarmName)))).stdout) : new Map<string, string>();
    const byName = new Map<string, SecretVersion>(versions.map((v) => [v.swarmName, v]));
    const inUse = [...(await secretsInUse(shell))].flatMap(([service, secrets]) => secrets.flatMap((secret) => (byName.has(secret.swarmName) ? [{ service, version: byName.get(secret.swarmName)! }] : [])));
    const declared = declaredSecrets(config);
    const names = [...declared, ...[...newest.keys()].filter((name) => !declared.includes(name)).sort()];
    return names.map((name) => {
      const current = newest.get(name);
      const createdAt = current ? created.get(current.swarmName) : undefined;
      return {
        name,
        set: current !== undefined,
        ...(current ? { version: current.version, swarmName: current.swarmName } : {}),
        ...(createdAt ? { createdAt } : {}),
        declaredBy: servicesUsingSecret(config, name),
        usedBy: inUse.filter((use) => use.version.name === name).map((use) => ({ service: use.service, version: use.version.version })),
        undeclared: !declared.includes(name),
      };
    });
  } finally {
    await dispose();
  }
}

/** Where a secret command works: the project in `dir` (its swarm-wiz.yaml), on its swarm or (`local`) this machine's. */
export interface SecretRequest {
  configPath: string;
  dir: string;
  local: boolean;
}

/** A SecretError as what it means: a bad name or value is a UsageError, anything else RunFailed; its hint follows. */
async function asUseCase<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SecretError) throw error.usage ? new UsageError(`${error.message}\n${error.hint}`) : new RunFailed(`${error.message}\n${error.hint}`);
    throw error;
  }
}

/**
 * `swarm-wiz secret set NAME`: checks the name is declared before the value is asked (`readValue`:
 * stdin or a masked prompt), then stores it as the next version and rolls the services that use it.
 */
export function secretSet(request: SecretRequest & { name: string }, io: { readValue: () => Promise<Uint8Array>; onProgress: (line: string) => void }): Promise<SetSecretResult> {
  return asUseCase(async () => {
    const config = await (await import('../config/index.js')).loadConfig(request.configPath);
    checkDeclared(config, request.name);
    const value = secretValueOf(await io.readValue());
    return setSecret({ config, dir: request.dir, name: request.name, value, local: request.local, onProgress: io.onProgress });
  });
}

/** `swarm-wiz secret ls`: every secret declared or stored, with its version and who uses it; never a value. */
export function secretList(request: SecretRequest): Promise<SecretListing[]> {
  return asUseCase(async () => {
    const config = await (await import('../config/index.js')).loadConfig(request.configPath);
    return listSecrets({ config, dir: request.dir, local: request.local });
  });
}
