import {
  overlayProbes,
  parseOverlayProbes,
  parsePortProbes,
  parseSwarmInfo,
  portProbes,
  preflightConfWrite,
  preflightContainerRemove,
  preflightContainerRun,
  preflightFilesRemove,
  preflightNetworkCreate,
  preflightNetworkRemove,
  swarmInfo,
  type PortProbe,
  type SwarmInfo,
} from '../commands/index.js';
import type { PreflightStep } from '../plan/index.js';
import { throwIfAborted } from './context.js';
import type { DeployContext } from './deploy-context.js';
import { StepFailed } from './failure.js';

/**
 * The swarm network check (see src/commands/preflight.ts for what each probe proves). Round trips, each
 * on every node at once: (1) read the node's swarm address, clear leftovers of an interrupted check,
 * write the check's nginx.conf; the manager creates the overlay network; (2) probe 2377/7946 of the
 * other nodes, and start the check container; (3) a request from each node to every other over the
 * overlay; (4) remove the containers and files, then the network — also when a check failed.
 */

const HINT =
  'Swarm needs, between the nodes\' private (VPC) addresses: 2377/tcp to the managers, 7946/tcp and 7946/udp between all nodes, ' +
  '4789/udp (VXLAN) between all nodes. Check the DigitalOcean cloud firewall on the droplets (Networking → Firewalls: swarm-wiz\'s own ' +
  'firewall allows these from the project\'s droplets; another firewall or a removed rule may not), and the host firewall on the named ' +
  'nodes (ufw status; e.g. ufw allow from 10.0.0.0/8 to any port 7946 proto udp), then run apply again. Nothing was deployed.';

interface Peer {
  name: string;
  index: number;
  info: SwarmInfo;
}

/** `a → b` failures grouped as one line: "worker-2 cannot reach manager-1 on 7946/tcp (timed out)". */
function portFailureLines(failures: { from: string; to: string; probe: PortProbe & { result: string } }[]): string[] {
  return failures.map(({ from, to, probe }) => `${from} cannot reach ${to} on ${probe.port}/${probe.protocol} (${probe.result})`);
}

/** The node every failing pair involves, when there is exactly one such node and more than one pair. */
function commonNode(pairs: readonly [string, string][]): string | undefined {
  if (pairs.length < 2) return undefined;
  const [a, b] = pairs[0]!;
  const common = [a, b].filter((name) => pairs.every((pair) => pair.includes(name)));
  return common.length === 1 ? common[0] : undefined;
}

export async function preflight(ctx: DeployContext, step: PreflightStep): Promise<string> {
  const project = ctx.config.project;
  const shell = (name: string) => ctx.target.shell(name);
  const opts = { signal: ctx.signal };
  const timeoutSeconds = Math.max(1, Math.round(ctx.timing.preflightTimeoutMs / 1000));
  let networkMade = false;
  try {
    // (1) Addresses, leftovers, nginx.conf; the network on the manager.
    const [infos] = await Promise.all([
      Promise.all(step.nodes.map(async (node) => parseSwarmInfo((await shell(node.name).run(swarmInfo, opts)).stdout))),
      Promise.all(
        step.nodes.map((node, index) =>
          Promise.all([
            shell(node.name).probe(preflightContainerRemove(project, index), opts),
            shell(node.name).run(preflightConfWrite(step.dir), opts),
          ]),
        ),
      ),
      (async () => {
        const made = await shell(step.node).probe(preflightNetworkCreate(project), opts);
        // A network left by an interrupted check is reused (same name and label, nothing attached to it).
        if (made.exitCode !== 0 && !/already exists/i.test(made.stderr)) {
          throw new StepFailed(step.id, {
            message: `creating the overlay network for the network check on ${step.node} failed: ${made.stderr.trim()}`,
            hint: `Check docker network ls on ${step.node} (an overlay network needs the swarm to run there), then run apply again. Nothing was deployed.`,
          });
        }
        networkMade = true;
      })(),
    ]);
    const peers: Peer[] = step.nodes.map((node, index) => ({ name: node.name, index, info: infos[index]! }));
    const inactive = peers.filter((peer) => peer.info.state !== 'active' || !peer.info.nodeAddr);
    if (inactive.length > 0) {
      throw new StepFailed(step.id, {
        message: `${inactive.map((peer) => peer.name).join(', ')} ${inactive.length === 1 ? 'is' : 'are'} not active in the swarm (state ${inactive.map((peer) => peer.info.state).join(', ')})`,
        hint: 'Check docker info on those nodes; run apply again once they are in the swarm. Nothing was deployed.',
      });
    }
    throwIfAborted(ctx);

    // (2) Ports from every node to every other (2377 only to managers), and the check containers.
    const probesFrom = (from: Peer): { to: Peer; probe: PortProbe }[] =>
      peers
        .filter((to) => to !== from)
        .flatMap((to) => [
          ...(to.info.isManager ? [{ to, probe: { protocol: 'tcp' as const, address: to.info.nodeAddr, port: 2377 } }] : []),
          { to, probe: { protocol: 'tcp' as const, address: to.info.nodeAddr, port: 7946 } },
          { to, probe: { protocol: 'udp' as const, address: to.info.nodeAddr, port: 7946 } },
        ]);
    const [portResults] = await Promise.all([
      Promise.all(
        peers.map(async (from) => {
          const planned = probesFrom(from);
          const results = parsePortProbes((await shell(from.name).run(portProbes(planned.map((p) => p.probe)), opts)).stdout);
          return planned.map((p, i) => ({ from: from.name, to: p.to.name, probe: { ...p.probe, result: results[i]?.result ?? 'no result' }, reachable: results[i]?.reachable ?? false }));
        }),
      ),
      Promise.all(peers.map((peer) => shell(peer.name).run(preflightContainerRun({ project, index: peer.index, image: step.image, projectDir: step.dir }), opts))),
    ]);
    const portFailures = portResults.flat().filter((result) => !result.reachable);
    if (portFailures.length > 0) {
      throw new StepFailed(step.id, { message: `the swarm nodes do not reach each other: ${portFailureLines(portFailures).join('; ')}`, hint: HINT });
    }
    throwIfAborted(ctx);

    // (3) Over the overlay network, from every node to every other.
    const overlay = await Promise.all(
      peers.map(async (from) => {
        const others = peers.filter((to) => to !== from);
        const results = parseOverlayProbes((await shell(from.name).run(overlayProbes({ projectDir: step.dir, project, peers: others.map((to) => to.index), timeoutSeconds }), { ...opts, timeoutMs: (timeoutSeconds + 60) * 1000 })).stdout);
        return others.map((to, i) => ({ from: from.name, to: to.name, result: results[i]?.result ?? 'no result' }));
      }),
    );
    const failed = overlay.flat().filter((pair) => pair.result !== 'ok');
    if (failed.length > 0) {
      const pairs = failed.map((pair): [string, string] => [pair.from, pair.to]);
      const common = commonNode(pairs);
      const timedOut = failed.every((pair) => pair.result === 'HTTP 504');
      const list = failed.map((pair) => `from ${pair.from} to ${pair.to}${pair.result === 'HTTP 504' ? '' : ` (${pair.result})`}`).join(', ');
      throw new StepFailed(step.id, {
        message:
          `the overlay network does not carry traffic ${list}: 4789/udp (VXLAN) is blocked between them` +
          (common ? ` (every failing pair involves ${common}: look there first)` : '') +
          (timedOut ? '' : '; HTTP 502 means the peer\'s name was not resolved or it refused: Swarm\'s gossip on 7946 may not reach it either'),
        hint: HINT,
      });
    }
    return `${peers.length} nodes reach each other: 2377/tcp (managers), 7946/tcp, 7946/udp not refused, overlay requests between all ${overlay.flat().length} ordered pairs answered (4789/udp)`;
  } finally {
    // (4) Always: the containers and files on every node, then the network (it refuses while containers are attached).
    await Promise.all(
      step.nodes.map((node, index) =>
        Promise.all([shell(node.name).probe(preflightContainerRemove(project, index)), shell(node.name).probe(preflightFilesRemove(step.dir))]).catch(() => undefined),
      ),
    );
    // The manager learns that a worker's container left a moment later (up to tens of seconds on a busy
    // machine): retry for at most 60 s. A network still left is reused by the next check.
    const deadline = Date.now() + 60_000;
    while (networkMade && Date.now() < deadline) {
      const removed = await shell(step.node).probe(preflightNetworkRemove(project)).catch(() => undefined);
      if (removed && (removed.exitCode === 0 || /not found|no such network/i.test(removed.stderr))) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
