import {
  addNodeLabels,
  containerMounts,
  hashFiles,
  joinToken,
  makeDir,
  nginxReload,
  nginxTest,
  parseHashes,
  parseServiceTasks,
  parseStackServices,
  parseSwarmInfo,
  proxyContainers,
  readFile,
  removeFile,
  parseUpdateStates,
  serviceContainers,
  serviceRemove,
  serviceTasks,
  serviceUpdateStates,
  stackDeploy,
  stackServices,
  swarmInfo,
  swarmInit,
  swarmJoin,
  swarmLeave,
  engineRestart,
  swarmTaskContainers,
  overlayNetworks,
  nodeDemote,
  nodeRemove,
  writeFile,
  needsAdvertiseAddr,
} from '../commands/index.js';
import type { CertificateStep, NodeStep, ProxyFilesStep, ServiceReplacement, StackStep, SwarmStep } from '../plan/index.js';
import { CommandFailed } from '../targets/errors.js';
import type { Shell } from '../targets/target.js';
import { PROXY_FOLDER_IN_CONTAINER, sha256Hex } from '../../recipes/names.js';
import { pause } from './context.js';
import { buildProxyImage } from './proxy-image.js';
import { runAll, type DeployContext, type ProxyFile } from './deploy-context.js';
import type { HandlerMap } from './engine.js';
import type { FailureReason } from './events.js';
import { StepFailed } from './failure.js';
import { preflight } from './preflight-handler.js';
import { support } from './support-handler.js';

const shellOf = (ctx: DeployContext, node: string): Shell => ctx.target.shell(node);

/** Runs commands one after another on a node, each line of output shown on the step's row. */

async function prepareNode(ctx: DeployContext, step: NodeStep): Promise<string> {
  await runAll(ctx, step.id, shellOf(ctx, step.node), makeDir(step.dir, 0o700));
  return `${step.dir} ready`;
}

const ADVERTISE_HINT = 'Docker could not choose the address to advertise: run apply again with --advertise-addr ADDRESS (an address of this machine the other nodes reach).';

async function swarm(ctx: DeployContext, step: SwarmStep): Promise<string> {
  switch (step.action) {
    case 'init': {
      const shell = shellOf(ctx, step.node);
      try {
        await shell.run(swarmInit(step.advertiseAddr), { signal: ctx.signal });
      } catch (error) {
        if (error instanceof CommandFailed && needsAdvertiseAddr(error.outputTail)) {
          throw new StepFailed(step.id, { message: `docker swarm init on ${step.node} failed: ${(error as Error).message}`, hint: ADVERTISE_HINT });
        }
        throw error;
      }
      const info = parseSwarmInfo((await shell.run(swarmInfo)).stdout);
      const [worker, manager] = await Promise.all([shell.run(joinToken('worker')), shell.run(joinToken('manager'))]);
      await ctx.store.update((s) => {
        s.swarm = {
          ...s.swarm,
          ...(info.clusterId ? { clusterId: info.clusterId } : {}),
          joinTokens: { worker: worker.stdout.trim(), manager: manager.stdout.trim() },
          ...(info.nodeAddr ? { managerAddress: info.nodeAddr } : {}),
        };
      });
      return `swarm initialised (${info.nodeAddr})`;
    }
    case 'join': {
      const recorded = ctx.store.state.swarm;
      const managerShell = shellOf(ctx, step.manager);
      const token = recorded?.joinTokens?.[step.role] ?? (await managerShell.run(joinToken(step.role))).stdout.trim();
      // Asked each time: the lead may be another manager than the one that made the swarm (its droplet replaced).
      const address = parseSwarmInfo((await managerShell.run(swarmInfo)).stdout).nodeAddr || recorded?.managerAddress;
      if (!address) throw new StepFailed(step.id, { message: `${step.manager} does not say which address it manages the swarm at`, hint: `Check docker info on ${step.manager}, then run apply again.` });
      const shell = shellOf(ctx, step.node);
      if (step.leaveFirst) {
        await shell.run(swarmLeave, { signal: ctx.signal });
        await oldSwarmGone(ctx, step.node, step.id);
        // A fresh engine: without a restart it keeps the old swarm's gossip and the new overlay never works there.
        ctx.emit({ type: 'step-progress', stepId: step.id, message: 'restarting the Docker engine (it forgets the old swarm only then)' });
        await shell.run(engineRestart, { signal: ctx.signal, timeoutMs: 180_000 });
        await engineAnswers(ctx, step.node, step.id);
      }
      await shell.run(swarmJoin(token, address, step.advertiseAddr), { signal: ctx.signal });
      return step.leaveFirst ? `left the old swarm, joined as a ${step.role}` : `joined as a ${step.role}`;
    }
    case 'remove': {
      const shell = shellOf(ctx, step.node);
      if (step.demote) await shell.run(nodeDemote(step.swarmNodeId), { signal: ctx.signal });
      await shell.run(nodeRemove(step.swarmNodeId), { signal: ctx.signal });
      return step.demote ? 'demoted and removed' : 'removed';
    }
    case 'label': {
      const nodeId = parseSwarmInfo((await shellOf(ctx, step.swarmNode).run(swarmInfo)).stdout).nodeId;
      await shellOf(ctx, step.node).run(addNodeLabels(nodeId || step.swarmNode, step.labels), { signal: ctx.signal });
      return 'labelled';
    }
  }
}


/**
 * Asks `ready` every poll interval until it says yes, bounded by serviceRemovalTimeoutMs; then the step
 * fails with `late` (given the limit in seconds). `waiting`, when given, is shown on the step's row meanwhile.
 */
async function waitOnNode(ctx: DeployContext, stepId: string, ready: () => Promise<boolean>, late: (seconds: number) => FailureReason, waiting?: string): Promise<void> {
  const deadline = Date.now() + ctx.timing.serviceRemovalTimeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new StepFailed(stepId, late(ctx.timing.serviceRemovalTimeoutMs / 1000));
    if (waiting) ctx.emit({ type: 'step-progress', stepId, message: waiting });
    await pause(ctx, ctx.timing.pollIntervalMs);
  }
}

/**
 * After `docker swarm leave --force` the engine tears the old swarm's task containers and overlay
 * networks down in the background; a join before they are gone can leave the node's new overlay
 * traffic broken (seen in the sandbox: HTTP 502 from every peer). Waits (bounded) until both are gone.
 */
function oldSwarmGone(ctx: DeployContext, node: string, stepId: string): Promise<void> {
  const shell = shellOf(ctx, node);
  return waitOnNode(
    ctx,
    stepId,
    async () => {
      const listed = await Promise.all([shell.probe(swarmTaskContainers, { signal: ctx.signal }), shell.probe(overlayNetworks, { signal: ctx.signal })]);
      return listed.every((list) => list.exitCode !== 0 || list.stdout.trim() === '');
    },
    (seconds) => ({
      message: `${node} left the old swarm, but its task containers or overlay networks were still there after ${seconds} s`,
      hint: `Look at docker ps -a and docker network ls on ${node}; remove what is left of the old swarm, then run apply again.`,
    }),
    "waiting for the old swarm's containers and networks to go",
  );
}

/** Waits (bounded) until a restarted engine answers again. */
function engineAnswers(ctx: DeployContext, node: string, stepId: string): Promise<void> {
  return waitOnNode(
    ctx,
    stepId,
    async () => (await shellOf(ctx, node).probe(swarmInfo, { signal: ctx.signal })).exitCode === 0,
    (seconds) => ({
      message: `the Docker engine on ${node} did not answer within ${seconds} s of its restart`,
      hint: `Look at systemctl status docker and journalctl -u docker on ${node}, then run apply again.`,
    }),
  );
}

/** Files first and nginx.conf last, so a new nginx.conf never names a certificate that is not there yet. */
const nginxConfLast = (a: string, b: string): number => Number(a === 'nginx.conf') - Number(b === 'nginx.conf') || a.localeCompare(b);

/**
 * Makes the node's proxy folder match: writes each changed file atomically, then — if the proxy runs
 * on that node — checks the whole configuration with `nginx -t` inside the running container and only
 * then reloads it. When the check fails, every file is put back as it was, nothing is reloaded, and
 * the step fails with nginx's own message: the running proxy never sees a configuration it rejects.
 */
async function proxyFiles(ctx: DeployContext, step: ProxyFilesStep): Promise<string> {
  const shell = shellOf(ctx, step.node);
  const desired = await ctx.proxyFiles();
  const now = await shell.probe(hashFiles(step.dir));
  const current = parseHashes(now.stdout, step.dir);
  const changed = [...desired.keys()].filter((path) => current.get(path) !== sha256Hex(desired.get(path)!.content)).sort(nginxConfLast);
  if (changed.length === 0) return 'up to date';
  const previous = new Map<string, string | undefined>();
  for (const path of changed) previous.set(path, current.has(path) ? (await shell.run(readFile(`${step.dir}/${path}`))).stdout : undefined);
  const writeAll = (files: [string, ProxyFile | undefined][]) =>
    runAll(
      ctx,
      step.id,
      shell,
      files.flatMap(([path, file]) => (file ? writeFile(`${step.dir}/${path}`, file.content, file.mode) : [removeFile(`${step.dir}/${path}`)])),
    );
  await runAll(ctx, step.id, shell, makeDir(step.dir, 0o700));
  await writeAll(changed.map((path) => [path, desired.get(path)]));
  const running = (await shell.run(proxyContainers(ctx.config.project))).stdout.split('\n').filter(Boolean);
  // Only a proxy that reads this folder is checked and reloaded; one from before a switch to delivery:
  // files (secrets, image) does not, and the stack deploy that follows replaces it.
  const containers: string[] = [];
  for (const id of running) if ((await shell.run(containerMounts(id))).stdout.split('\n').includes(PROXY_FOLDER_IN_CONTAINER)) containers.push(id);
  if (containers.length === 0) return `${changed.length} file${changed.length === 1 ? '' : 's'} written (no proxy reads them yet)`;
  const checked: string[] = [];
  for (const container of containers) {
    const check = await shell.probe(nginxTest(container));
    // A proxy task that died meanwhile (on a node that just joined, a global proxy starts before its folder is
    // there, and restarts): it serves nothing, and reads these files when it starts again.
    if (check.exitCode !== 0 && /is not running|No such container/i.test(check.stderr)) continue;
    checked.push(container);
    if (check.exitCode !== 0) {
      await writeAll(changed.map((path) => [path, previous.get(path) === undefined ? undefined : { content: previous.get(path)!, mode: desired.get(path)!.mode }]));
      const why = (check.stderr || check.stdout).trim().split('\n').slice(-3).join(' / ');
      throw new StepFailed(step.id, {
        message: `the new proxy configuration fails nginx -t on ${step.node}: ${why}`,
        hint: 'Nothing was reloaded and the previous files are back in place: the proxy keeps serving as before. Fix the cause (swarm-wiz.yaml, or report a swarm-wiz bug with that line) and run apply again.',
      });
    }
  }
  if (checked.length === 0) return `${changed.length} file${changed.length === 1 ? '' : 's'} written (the proxy there is starting: it reads them as it starts)`;
  for (const container of checked) await shell.run(nginxReload(container), { signal: ctx.signal });
  const wrong = await ctx.servedMatches?.(step.node);
  if (wrong) {
    throw new StepFailed(step.id, {
      message: `nginx on ${step.node} was reloaded but ${wrong}`,
      hint: `Look at the proxy's log (docker service logs ${ctx.config.project}_proxy); run apply again to retry the reload.`,
    });
  }
  return `${changed.length} file${changed.length === 1 ? '' : 's'} updated, nginx reloaded in place`;
}

/**
 * `docker service rm`, then waits (bounded) until none of its tasks is left on any node: a proxy that
 * publishes 80/443 in host mode must be gone before its successor can take the ports.
 */
async function removeService(ctx: DeployContext, step: StackStep, shell: Shell, replacement: ServiceReplacement): Promise<void> {
  ctx.emit({ type: 'step-progress', stepId: step.id, message: `removing ${replacement.service} (${replacement.from} → ${replacement.to})` });
  const removed = await shell.probe(serviceRemove(replacement.service), { signal: ctx.signal });
  if (removed.exitCode !== 0 && !/not found|no such service/i.test(removed.stderr)) {
    throw new StepFailed(step.id, {
      message: `removing ${replacement.service} to change its mode (${replacement.from} → ${replacement.to}) failed: ${removed.stderr.trim()}`,
      hint: `Nothing else changed. Check docker service ls on ${step.node}, then run apply again.`,
    });
  }
  const deadline = Date.now() + ctx.timing.serviceRemovalTimeoutMs;
  for (;;) {
    const counts = await Promise.all(
      ctx.target
        .nodes()
        .filter((node) => node.role !== 'support')
        .map(async (node) => (await ctx.target.shell(node.name).probe(serviceContainers(replacement.service), { signal: ctx.signal })).stdout.split('\n').filter(Boolean).length),
    );
    const left = counts.reduce((sum, count) => sum + count, 0);
    if (left === 0) return;
    if (Date.now() > deadline) {
      ctx.emit({ type: 'step-progress', stepId: step.id, message: `${left} container${left === 1 ? '' : 's'} of ${replacement.service} still stopping after ${Math.round(ctx.timing.serviceRemovalTimeoutMs / 1000)} s; deploying anyway` });
      return;
    }
    await pause(ctx, 250);
  }
}

/** A service whose tasks failed this often with the same error is reported at once instead of awaited. */
const REPEATED_FAILURES = 3;

/** docker stack deploy, then wait until every service runs its tasks; a task that fails shows its own error. */
async function stack(ctx: DeployContext, step: StackStep): Promise<string> {
  const shell = shellOf(ctx, step.node);
  const spec = await ctx.stackSpec();
  const folder = step.composePath.slice(0, step.composePath.lastIndexOf('/'));
  for (const [path, file] of spec.files) await runAll(ctx, step.id, shell, writeFile(`${folder}/${path}`, file.content, file.mode));
  await runAll(ctx, step.id, shell, writeFile(step.composePath, spec.compose, 0o644));
  if (spec.build) await buildProxyImage(ctx, step.id, shell, spec.build, `${folder}/proxy`);
  // Last thing before the deploy (shortest gap): a service whose mode changes is removed; the deploy creates it again.
  for (const replacement of step.replace ?? []) await removeService(ctx, step, shell, replacement);
  await runAll(ctx, step.id, shell, [stackDeploy({ project: step.project, composePath: step.composePath, env: spec.env, resolveImage: ctx.resolveImage })]);
  await ctx.store.update((s) => {
    s.stack = { hash: spec.hash, deployedAt: new Date().toISOString() };
  });
  const deadline = Date.now() + ctx.timing.convergeTimeoutMs;
  let problems: string[] = [];
  for (;;) {
    await pause(ctx, ctx.timing.pollIntervalMs);
    const services = parseStackServices((await shell.run(stackServices(step.project))).stdout);
    const waiting = services.filter((service) => service.desired === 0 || service.running < service.desired);
    const scaledToZero = (name: string) => services.some((s) => s.name === name && s.desired === 0 && /replicated/.test(s.mode));
    const updates = services.length > 0 ? parseUpdateStates((await shell.run(serviceUpdateStates(services.map((service) => service.name)))).stdout) : [];
    const rolledBack = updates.filter((update) => update.state === 'rollback_completed' || update.state === 'paused' || update.state === 'rollback_paused');
    if (rolledBack.length > 0) {
      throw new StepFailed(step.id, {
        message: `the update of ${rolledBack.map((update) => `${update.service} (${update.state}: ${update.message})`).join('; ')} did not go through`,
        hint: 'Swarm kept (or went back to) the previous version. docker service ps --no-trunc SERVICE shows why the new tasks failed; fix that, then run apply again.',
      });
    }
    const updating = new Set(updates.filter((update) => update.state === 'updating' || update.state === 'rollback_started').map((update) => update.service));
    const pending = [...waiting.filter((service) => !scaledToZero(service.name)), ...services.filter((service) => updating.has(service.name) && !waiting.includes(service))];
    if (services.length > 0 && pending.length === 0) return `${services.length} services running`;
    problems = [];
    const hopeless: string[] = [];
    for (const service of pending) {
      const tasks = parseServiceTasks((await shell.run(serviceTasks(service.name))).stdout);
      const failing = tasks.find((task) => task.error !== '' && task.desiredState !== 'Shutdown') ?? tasks.find((task) => task.error !== '');
      problems.push(`${service.name} ${service.running}/${service.desired}${updating.has(service.name) ? ' updating' : ''}${failing ? `: ${failing.error}` : ''}`);
      // Swarm retries a failing task for ever; the same error three times over will not fix itself.
      if (failing && tasks.filter((task) => task.error === failing.error).length >= REPEATED_FAILURES) hopeless.push(`${service.name}: ${failing.error}`);
    }
    ctx.emit({ type: 'step-progress', stepId: step.id, message: `waiting: ${problems.join('; ')}` });
    if (hopeless.length > 0) {
      throw new StepFailed(step.id, {
        message: `tasks keep failing with the same error: ${hopeless.join('; ')}`,
        hint: 'Fix what the error names (an image that does not exist on the node, a port already taken on this machine, a bad mount), then run apply again.',
      });
    }
    if (Date.now() > deadline) {
      throw new StepFailed(step.id, {
        message: `the stack did not converge within ${Math.round(ctx.timing.convergeTimeoutMs / 1000)} s: ${problems.join('; ')}`,
        hint: 'Each service above shows its last task error. Fix the image or the service, then run apply again (docker service ps --no-trunc SERVICE shows more).',
      });
    }
  }
}

async function certificate(ctx: DeployContext, step: CertificateStep): Promise<string> {
  const meta = await ctx.issue(step);
  return `issued: serial ${meta.serial}, valid until ${meta.notAfter.slice(0, 10)}`;
}

/** Every kind of deploy step and what does it. */
export const DEPLOY_HANDLERS: HandlerMap<DeployContext> = {
  node: prepareNode,
  swarm,
  preflight,
  'proxy-files': proxyFiles,
  stack,
  certificate,
  support,
};
