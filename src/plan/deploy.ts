import type { Config, Service } from '../config/index.js';
import type { SwarmInfo, SwarmNode } from '../commands/swarm.js';
import type { StackService } from '../commands/stack.js';
import { dataNodeLabel, dataServices, declaredSecrets, PROXY_NODE_LABEL, secretNotSetMessage } from '../../recipes/names.js';
import { proxyServiceMode } from '../../recipes/compose.js';
import { DEPLOY_PHASES, type CertificateStep, type DeployPhase, type DeployPhaseName, type DeployStep, type NodeStep, type PreflightStep, type ProxyFilesStep, type ServiceReplacement, type StackStep, type SwarmInitStep, type SwarmStep } from './deploy-types.js';
import { planSupport, type SupportFacts } from './support.js';
import { dataHoldLines, type DataHolds } from './data-holds.js';

/** What a node looks like now, as the use case read it over its shell. */
export interface NodeFacts {
  name: string;
  role: 'manager' | 'worker';
  /** The address the swarm advertises (a droplet's VPC address); undefined: let Docker choose. */
  advertiseAddr?: string;
  swarm: SwarmInfo;
  /** The labels the swarm has for this node (read on a manager); undefined when it is not in the swarm yet. */
  labels?: Record<string, string>;
  /** Whether the project folder exists on the node. */
  projectExists: boolean;
  /** sha256 per file of the node's proxy folder (relative paths); undefined when the folder does not exist. */
  proxyFiles?: ReadonlyMap<string, string>;
}

export interface DeployFacts {
  nodes: NodeFacts[];
  /** The project folder on each node (`/srv/swarm-wiz/<project>`, or inside the project for `--target local`). */
  projectDir: string;
  proxyDir: string;
  /** What the proxy folder must hold: relative path → sha256. */
  desiredProxyFiles: ReadonlyMap<string, string>;
  /** The stack's services now (empty: not deployed), with their mode (the proxy's decides a replacement). */
  services: readonly StackService[];
  stack: { composePath: string; env: Record<string, string>; hash: string; recordedHash?: string };
  /** The swarm this project made or adopted (state.json); a node in another swarm is an error. */
  recordedClusterId?: string;
  /** The swarm's own list of its nodes, read on the lead manager (leadManager); undefined when none answered. */
  swarmNodes?: readonly Pick<SwarmNode, 'id' | 'hostname' | 'status' | 'managerStatus'>[];
  certificates: { domain: string; altNames: string[]; due: boolean; reason: string }[];
  /** Secrets the services declare that have no stored version on the manager (known once a swarm runs). */
  missingSecrets?: readonly string[];
  /** The support server to set up for renewing from cron (droplets); undefined: none (--target local, or running on it). */
  support?: SupportFacts;
  /** Services with volumes whose data's droplet was replaced: kept at 0 replicas, or started empty (planDataHolds). */
  dataHolds?: DataHolds;
}

/**
 * The swarm state of a node whose engine could not be asked (renew only: apply stops at such a node).
 * Its `error` says why.
 */
export const UNREACHABLE = 'unreachable';

/** The plan cannot be carried out as the nodes are: the message says what and what to do. */
export class DeployPlanError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'DeployPlanError';
  }
}

/** The nodes a topology runs the proxy on (the folder is synced to exactly these). */
export function proxyNodesOf(config: Pick<Config, 'topology' | 'sites'>, nodes: readonly Pick<NodeFacts, 'name' | 'role'>[]): string[] {
  const managers = nodes.filter((node) => node.role === 'manager').map((node) => node.name);
  const workers = nodes.filter((node) => node.role === 'worker').map((node) => node.name);
  // One node (--target local): it runs everything, whatever the topology places on droplets.
  if (nodes.length === 1) return [nodes[0]!.name];
  switch (config.topology) {
    case 'manager':
      return managers;
    case 'dedicated':
      return workers.slice(0, 1);
    case 'per-domain':
      return workers.slice(0, config.sites.length);
    case 'global-lb':
      return workers;
  }
}

const step = <S extends DeployStep>(s: S): S => s;

/**
 * The manager the swarm steps run on: the first node that manages the swarm this project made (any
 * swarm on a first apply). When the first manager's droplet was replaced, another manager of the same
 * swarm leads, and the new droplet joins it instead of starting a swarm of its own.
 */
export function leadManager<N extends Pick<NodeFacts, 'role' | 'swarm'>>(nodes: readonly N[], recordedClusterId: string | undefined): N | undefined {
  return nodes.find((node) => node.role === 'manager' && node.swarm.state === 'active' && node.swarm.isManager && (!recordedClusterId || node.swarm.clusterId === recordedClusterId));
}

/** The facts with the lead manager first: every step that needs "the manager" takes nodes[0]. */
function leadFirst<F extends Pick<DeployFacts, 'nodes' | 'recordedClusterId'>>(facts: F): F {
  const lead = leadManager(facts.nodes, facts.recordedClusterId);
  if (!lead || lead === facts.nodes[0]) return facts;
  return { ...facts, nodes: [lead, ...facts.nodes.filter((node) => node !== lead)] };
}

/** The node the services with volumes are pinned to (the data label step labels it): the lead manager, else the first. */
export const dataHolder = (facts: Pick<DeployFacts, 'nodes' | 'recordedClusterId'>): NodeFacts | undefined => leadFirst(facts).nodes[0];

/**
 * The swarm this project made is gone when one is recorded and the lead (leadFirst: a manager of it,
 * if any answered) is in no swarm: none of its managers is left.
 */
const swarmLost = (facts: DeployFacts): boolean => facts.recordedClusterId !== undefined && facts.nodes[0] !== undefined && facts.nodes[0].swarm.state !== 'active';

/** The engine is in some swarm, healthy or not (a worker whose managers are gone may say pending or error). */
const inSomeSwarm = (node: NodeFacts): boolean => node.swarm.state === 'active' || node.swarm.state === 'pending' || node.swarm.state === 'error';

function planSwarm(config: Config, facts: DeployFacts): [SwarmStep[], SwarmStep[], SwarmStep[]] {
  const [first, ...others] = facts.nodes;
  if (!first) throw new DeployPlanError('no nodes to deploy to', 'Run apply with a DigitalOcean token first, or use --target local.');
  const inSwarm = (node: NodeFacts) => node.swarm.state === 'active';
  // When the swarm is gone a new one is made, and the nodes still in the old one leave it first; while it
  // runs, a worker its lead does not list is in another (a worker cannot tell which swarm it is in, only managers can).
  const lost = swarmLost(facts);
  const listed = facts.swarmNodes && inSwarm(first) ? new Set(facts.swarmNodes.map((node) => node.id)) : undefined;
  const strayed = (node: NodeFacts) => inSomeSwarm(node) && (lost || (listed !== undefined && !node.swarm.isManager && !listed.has(node.swarm.nodeId)));
  for (const node of facts.nodes) {
    if (node.swarm.state === 'locked') throw new DeployPlanError(`node ${node.name}: its swarm is locked (autolock)`, `Unlock it with docker swarm unlock on ${node.name}, then run apply again.`);
    if (strayed(node)) continue;
    if (node.swarm.state === 'pending' || node.swarm.state === 'error' || node.swarm.state === UNREACHABLE) {
      throw new DeployPlanError(`node ${node.name}: its swarm state is ${node.swarm.state}${node.swarm.error ? ` (${node.swarm.error})` : ''}`, `Check docker info on ${node.name}; run apply again once the engine is healthy.`);
    }
  }
  const cluster = first.swarm.clusterId;
  if (inSwarm(first) && !first.swarm.isManager) {
    throw new DeployPlanError(`node ${first.name} is a worker of another swarm`, `swarm-wiz needs a manager there. Leave that swarm on ${first.name} (docker swarm leave) or use another machine.`);
  }
  if (inSwarm(first) && facts.recordedClusterId && cluster !== facts.recordedClusterId) {
    throw new DeployPlanError(
      `node ${first.name} is in another swarm (cluster ${cluster ?? 'unknown'}), not the one swarm-wiz made for ${config.project} (${facts.recordedClusterId})`,
      `Leave that swarm on ${first.name} (docker swarm leave --force) if it is not needed, or point swarm-wiz at the right project folder.`,
    );
  }
  const secrets = declaredSecrets(config);
  const init: SwarmStep[] = [
    inSwarm(first)
      ? step({ kind: 'swarm', action: 'init', op: 'same', id: `swarm:init:${first.name}`, name: first.name, node: first.name, description: `${first.name} manages the swarm (${first.swarm.nodeAddr || 'active'})` })
      : step({
          kind: 'swarm',
          action: 'init',
          op: 'create',
          id: `swarm:init:${first.name}`,
          name: first.name,
          node: first.name,
          ...(first.advertiseAddr ? { advertiseAddr: first.advertiseAddr } : {}),
          description: `docker swarm init on ${first.name}${first.advertiseAddr ? ` advertising ${first.advertiseAddr}` : ''}`,
          ...(lost
            ? {
                warning:
                  `the swarm ${config.project} ran in (cluster ${facts.recordedClusterId}) is gone: none of its managers is left, and its secrets and configs went with it. ` +
                  (secrets.length > 0
                    ? `A new swarm is made on ${first.name}; the other nodes stay in the old one, their proxies serving, until the secrets are set again: ${secrets.map((name) => `swarm-wiz secret set ${name}`).join(', ')}, then swarm-wiz apply moves them over and deploys the stack`
                    : 'A new swarm is made, the other nodes leave the old one and join it, and the stack is deployed again'),
              }
            : {}),
        }),
    ...planRemovals(facts, first),
  ];
  const joins: SwarmStep[] = others.map((node) => {
    if (inSwarm(node) && cluster && node.swarm.clusterId && node.swarm.clusterId !== cluster) {
      throw new DeployPlanError(`node ${node.name} is in another swarm (cluster ${node.swarm.clusterId})`, `Leave it on ${node.name} (docker swarm leave --force), then run apply again.`);
    }
    const id = `swarm:join:${node.name}`;
    const leave = strayed(node);
    if (inSwarm(node) && !leave) return step({ kind: 'swarm', action: 'join', op: 'same', id, name: node.name, node: node.name, role: node.role, manager: first.name, description: `${node.name} is in the swarm` });
    return step({
      kind: 'swarm',
      action: 'join',
      op: leave ? 'update' : 'create',
      id,
      name: node.name,
      node: node.name,
      role: node.role,
      manager: first.name,
      ...(node.advertiseAddr ? { advertiseAddr: node.advertiseAddr } : {}),
      ...(leave ? { leaveFirst: true } : {}),
      description: leave
        ? `${node.name} is still in a swarm that is gone: it leaves it (its tasks there stop), then joins this one as a ${node.role}`
        : `${node.name} joins the swarm as a ${node.role}`,
    });
  });
  const labelled = config.topology === 'dedicated' || config.topology === 'per-domain' ? proxyNodesOf(config, facts.nodes) : [];
  const labels: SwarmStep[] = facts.nodes
    .filter((node) => labelled.includes(node.name) && facts.nodes.length > 1)
    .map((node) => {
      const has = node.labels?.[PROXY_NODE_LABEL] === 'true';
      return step({
        kind: 'swarm',
        action: 'label',
        op: has ? 'same' : 'create',
        id: `swarm:label:${node.name}`,
        name: node.name,
        node: first.name,
        swarmNode: node.name,
        labels: { [PROXY_NODE_LABEL]: 'true' },
        description: `label ${node.name} ${PROXY_NODE_LABEL}=true: the proxy runs there (topology ${config.topology})`,
      });
    });
  // Services with volumes: pinned to the first manager (their named volumes live there), on any number of nodes.
  const pinned = dataServices(config);
  if (pinned.length > 0) {
    const wanted = Object.fromEntries(pinned.map((service) => [dataNodeLabel(service.name), 'true']));
    const missing = Object.keys(wanted).filter((key) => first.labels?.[key] !== 'true');
    labels.push(
      step({
        kind: 'swarm',
        action: 'label',
        op: missing.length === 0 ? 'same' : 'create',
        id: `swarm:data-label:${first.name}`,
        name: first.name,
        node: first.name,
        swarmNode: first.name,
        labels: wanted,
        description:
          `${pinned.map((service) => service.name).join(', ')} keep${pinned.length === 1 ? 's' : ''} data in named volumes: pinned to ${first.name} (label ${Object.keys(wanted).join(', ')}), one task, updated stop-first` +
          crashConsistent(pinned),
      }),
    );
  }
  return [init, joins, labels];
}

/** What a backup of services without `backup.before` holds: their files as they are, as after a power cut. */
function crashConsistent(services: readonly Service[]): string {
  const bare = services.filter((service) => !service.backup).map((service) => service.name);
  if (bare.length === 0) return '';
  return `; a backup copies ${bare.join(', ')}'s files as they are, crash-consistent (a live database's files as after a power cut): give ${bare.length === 1 ? 'it' : 'each'} backup.before with a dump command for a clean copy`;
}

/**
 * Nodes the swarm still lists that are down and are none of the project's machines now (their droplet
 * was deleted; a replacement has its own node id): forgotten, so `docker node ls` shows no dead node and
 * a lost manager no longer counts in the quorum. They go before any join (Docker's advice for a lost
 * manager: demote and remove it, then add the new one).
 */
function planRemovals(facts: DeployFacts, lead: NodeFacts): SwarmStep[] {
  if (!facts.swarmNodes || lead.swarm.state !== 'active') return [];
  const ours = new Set(facts.nodes.map((node) => node.swarm.nodeId).filter(Boolean));
  return facts.swarmNodes
    .filter((node) => !ours.has(node.id) && node.status.toLowerCase() === 'down')
    .map((node) => {
      const demote = node.managerStatus !== '';
      return step({
        kind: 'swarm',
        action: 'remove',
        op: 'delete',
        id: `swarm:remove:${node.id}`,
        name: `${node.hostname} (${node.id.slice(0, 12)})`,
        node: lead.name,
        swarmNodeId: node.id,
        demote,
        description: `${node.hostname} (node ${node.id.slice(0, 12)}) is down and is none of the project's droplets now: ${demote ? 'demote it, then ' : ''}docker node rm`,
      });
    });
}

function planProxyFiles(facts: DeployFacts, proxyNodes: readonly string[], why: string): ProxyFilesStep[] {
  return facts.nodes
    .filter((node) => proxyNodes.includes(node.name))
    .map((node) => {
      const changed = [...facts.desiredProxyFiles].filter(([path, hash]) => node.proxyFiles?.get(path) !== hash).map(([path]) => path);
      const op = node.proxyFiles === undefined ? 'create' : changed.length > 0 ? 'update' : 'same';
      return step({
        kind: 'proxy-files',
        op,
        id: `proxy-files:${node.name}`,
        name: node.name,
        node: node.name,
        dir: facts.proxyDir,
        changed,
        description: op === 'same' ? `the proxy folder on ${node.name} is up to date` : `${why} on ${node.name}: ${changed.join(', ')}; nginx -t, then reload in place`,
      });
    });
}

/**
 * The network check between the swarm nodes, before anything is deployed: on every apply with two or
 * more nodes (a one-node swarm has no peer to reach), as op `check` (it changes nothing).
 */
function planPreflight(config: Config, facts: DeployFacts): PreflightStep[] {
  if (facts.nodes.length < 2) return [];
  const managers = facts.nodes.filter((node) => node.role === 'manager').length;
  return [
    step({
      kind: 'preflight',
      op: 'check',
      id: `preflight:${config.project}`,
      name: config.project,
      node: facts.nodes[0]!.name,
      nodes: facts.nodes.map((node) => ({ name: node.name, role: node.role })),
      dir: facts.projectDir,
      image: config.proxy.image,
      description:
        `check that the ${facts.nodes.length} swarm nodes reach each other: 2377/tcp to the manager${managers === 1 ? '' : 's'}, 7946/tcp+udp, ` +
        'and a request over an overlay network between every pair (4789/udp); nothing is deployed unless they do',
    }),
  ];
}

/**
 * The proxy service when its mode changes (replicated ↔ global, a topology change): `docker stack
 * deploy` would fail with "service mode change is not allowed", so the stack step removes it first.
 */
function proxyReplacement(config: Config, facts: DeployFacts): ServiceReplacement | undefined {
  const service = `${config.project}_proxy`;
  const deployed = facts.services.find((s) => s.name === service);
  const wanted = proxyServiceMode(config);
  if (!deployed) return undefined;
  const now = /^(replicated|global)\b/.exec(deployed.mode)?.[1];
  if (now === undefined || now === wanted) return undefined;
  return { service, from: now, to: wanted };
}

function planNodes(facts: DeployFacts): NodeStep[] {
  return facts.nodes.map((node) =>
    step({
      kind: 'node',
      op: node.projectExists ? 'same' : 'create',
      id: `node:${node.name}`,
      name: node.name,
      node: node.name,
      dir: facts.projectDir,
      description: node.projectExists ? `${facts.projectDir} exists on ${node.name}` : `create ${facts.projectDir} on ${node.name} (0700)`,
    }),
  );
}

function planStack(config: Config, facts: DeployFacts): StackStep {
  const expected = 1 + config.sites.reduce((count, site) => count + 1 + site.private.length, 0);
  const replace = proxyReplacement(config, facts);
  const deployed = facts.services.length === expected && facts.stack.recordedHash === facts.stack.hash && !replace;
  const deploy = `docker stack deploy ${config.project} (${expected} services), then wait until every task runs`;
  const holds = facts.dataHolds ? dataHoldLines(facts.dataHolds) : [];
  return step({
    kind: 'stack',
    op: facts.services.length === 0 ? 'create' : deployed ? 'same' : 'update',
    id: `stack:${config.project}`,
    name: config.project,
    project: config.project,
    composePath: facts.stack.composePath,
    node: facts.nodes[0]!.name,
    hash: facts.stack.hash,
    env: facts.stack.env,
    ...(replace ? { replace: [replace] } : {}),
    description: deployed
      ? `stack ${config.project} is deployed (${facts.services.length} services)`
      : replace
        ? `replace service ${replace.service}: ${replace.from} → ${replace.to} (Swarm cannot change a service's mode in place: removed, then created by the stack deploy right after); then ${deploy}`
        : deploy,
    ...(replace ? { warning: `HTTPS is down for a few seconds while ${replace.service} is replaced (topology ${config.topology}: ${replace.to})` } : {}),
    ...(facts.missingSecrets && facts.missingSecrets.length > 0 ? { warning: facts.missingSecrets.map(secretNotSetMessage).join('; ') } : {}),
    ...(holds.length > 0 ? { warning: holds.join('; ') } : {}),
  });
}

function planCertificates(facts: DeployFacts): CertificateStep[] {
  return facts.certificates.map((cert) =>
    step({
      kind: 'certificate',
      op: !cert.due ? 'same' : cert.reason === 'missing' || cert.reason === 'placeholder' ? 'create' : 'update',
      id: `certificate:${cert.domain}`,
      name: cert.domain,
      domain: cert.domain,
      altNames: cert.altNames,
      reason: cert.reason,
      description: cert.due ? `order a certificate for ${[cert.domain, ...cert.altNames].join(', ')} (${cert.reason})` : `the certificate for ${cert.domain} is valid`,
    }),
  );
}

/** How certificates ordered in this run reach the proxy: a reload of each proxy folder, or a redeploy. */
function planRollout(config: Config, facts: DeployFacts, stack: StackStep, ordering: boolean): (ProxyFilesStep | StackStep)[] {
  if (!ordering) return [];
  // Secrets are immutable: new certificates reach the proxy as a redeploy with new secret names (a restart).
  if (config.certificates.delivery !== 'files') {
    return [{ ...stack, op: 'update', id: `stack:rollout:${config.project}`, description: `redeploy ${config.project} with the new certificates as new Swarm secrets (the proxy restarts: delivery ${config.certificates.delivery})` }];
  }
  return proxyNodesOf(config, facts.nodes).map((node) =>
    step({
      kind: 'proxy-files',
      op: 'update',
      id: `proxy-files:rollout:${node}`,
      name: node,
      node,
      dir: facts.proxyDir,
      changed: [],
      description: `put the new certificates in the proxy folder on ${node}; nginx -t, then reload in place`,
    }),
  );
}

/** Every phase's steps: a phase name without its steps does not compile. */
type DeploySteps = { readonly [N in DeployPhaseName]: DeployStep[] };

function deploySteps(config: Config, gathered: DeployFacts): DeploySteps {
  const facts = leadFirst(gathered);
  const [init, joins, labels] = planSwarm(config, facts);
  const files = config.certificates.delivery === 'files';
  const stack = planStack(config, facts);
  const certificates = planCertificates(facts);
  return {
    nodes: planNodes(facts),
    swarm: init,
    join: joins,
    labels,
    preflight: planPreflight(config, facts),
    'proxy files': files ? planProxyFiles(facts, proxyNodesOf(config, facts.nodes), 'sync nginx.conf and the certificates') : [],
    stack: [stack],
    certificates,
    rollout: planRollout(config, facts, stack, certificates.some((c) => c.op !== 'same')),
    'support server': facts.support ? [planSupport(config, facts.support)] : [],
  };
}

/** The named phases in the order given, leaving out those with nothing to do. */
const phasesOf = (steps: DeploySteps, names: readonly DeployPhaseName[]): DeployPhase[] =>
  names.map((name): DeployPhase => ({ name, steps: steps[name] })).filter((phase) => phase.steps.length > 0);

/**
 * Desired config + what the nodes look like → the phases that make them match: node folders, swarm
 * init, joins, labels, the proxy folder (nginx.conf and placeholder or real certificates), the stack,
 * the certificates that are due, and the rollout of those certificates. Pure.
 */
export function planDeploy(config: Config, facts: DeployFacts): DeployPhase[] {
  const steps = deploySteps(config, facts);
  if (secretsToSetAgain(config, facts).length === 0) return phasesOf(steps, DEPLOY_PHASES);
  // The new swarm cannot run the stack before its secrets are set: only its manager is made now. The
  // workers stay in the old swarm, their proxies serving, until apply runs again with the secrets set.
  const init = steps.swarm.filter((s): s is SwarmInitStep => s.kind === 'swarm' && s.action === 'init');
  const lead = init[0]!.node;
  return phasesOf({ ...steps, nodes: steps.nodes.filter((s) => s.kind === 'node' && s.node === lead), swarm: init }, ['nodes', 'swarm']);
}

/**
 * The secrets to set again before the stack can run, when the swarm this project made is gone with
 * its managers (a new swarm has none of them): apply makes the new swarm's manager, then stops naming
 * them (deployProject). Empty otherwise. Pure.
 */
export function secretsToSetAgain(config: Config, facts: DeployFacts): string[] {
  return swarmLost(leadFirst(facts)) ? declaredSecrets(config) : [];
}

/** What renew runs: the certificates, their rollout, and the support server's copy of what was renewed. */
const RENEW_PHASES = ['certificates', 'rollout', 'support server'] as const satisfies readonly DeployPhaseName[];

/**
 * renew: only the phases of RENEW_PHASES — no node, swarm or stack step. The swarm is still checked as
 * for apply (a node in another swarm stops renew too), and a redeploy rollout carries the stack as
 * planDeploy would deploy it. Pure.
 */
export function planRenew(config: Config, facts: DeployFacts): DeployPhase[] {
  return phasesOf(deploySteps(config, withoutIdleUnreachable(config, leadFirst(facts))), RENEW_PHASES);
}

/**
 * renew needs the first manager and the proxy nodes; a worker that carries no proxy and cannot be
 * reached (its engine stopped, its droplet gone) must not stop the renewal of every certificate. Such
 * nodes are left out. The proxy nodes are always the first managers or workers by name (proxyNodesOf),
 * so leaving out others moves no proxy. An unreachable proxy node or first manager stays, and stops it.
 */
function withoutIdleUnreachable(config: Config, facts: DeployFacts): DeployFacts {
  const proxies = new Set(proxyNodesOf(config, facts.nodes));
  const first = facts.nodes[0];
  const nodes = facts.nodes.filter((node) => node === first || proxies.has(node.name) || node.swarm.state !== UNREACHABLE);
  return nodes.length === facts.nodes.length ? facts : { ...facts, nodes };
}

/** True when running the phases would change something (a `check` changes nothing). */
export const deployHasChanges = (phases: readonly DeployPhase[]): boolean => phases.some((phase) => phase.steps.some((s) => s.op !== 'same' && s.op !== 'check'));
