import { remoteLine } from '../text/remote-text.js';
import type { Command } from './command.js';
import { jsonLines } from './swarm.js';

/** Stack, service and proxy-container operations, as argv. */

/** The proxy container's folder for delivery: files (the node's proxy folder, bind-mounted read-only). */
export const PROXY_FOLDER_IN_CONTAINER = '/etc/nginx/swarm-wiz';
/** nginx.conf inside the proxy container for delivery: files. */
export const NGINX_CONF_IN_CONTAINER = `${PROXY_FOLDER_IN_CONTAINER}/nginx.conf`;

export interface StackDeploy {
  project: string;
  /** The compose file, as the node running the command sees it. */
  composePath: string;
  /** Values docker-compose.yml interpolates (SWARM_WIZ_*); passed with `env`, never through a shell. */
  env: Record<string, string>;
  /** `never` for images that exist only on the nodes (`--target local`, the sandbox). */
  resolveImage: 'always' | 'changed' | 'never';
}

export function stackDeploy(deploy: StackDeploy): Command {
  const env = Object.entries(deploy.env).map(([key, value]) => `${key}=${value}`);
  return {
    argv: [
      ...(env.length > 0 ? ['env', ...env] : []),
      'docker', 'stack', 'deploy', '--with-registry-auth', '--prune', '--resolve-image', deploy.resolveImage, '-c', deploy.composePath, deploy.project,
    ],
    description: `deploy the stack ${deploy.project}`,
  };
}

export function stackServices(project: string): Command {
  return { argv: ['docker', 'stack', 'services', project, '--format', '{{json .}}'], description: `list the services of stack ${project}` };
}

export interface StackService {
  name: string;
  mode: string;
  running: number;
  desired: number;
  image: string;
}

/** `docker stack services --format '{{json .}}'`; Replicas reads `1/1` (or `1/1 (max 1 per node)`). */
export function parseStackServices(output: string): StackService[] {
  return jsonLines(output).map((raw) => {
    const replicas = /^(\d+)\/(\d+)/.exec(String(raw.Replicas ?? ''));
    return {
      name: String(raw.Name ?? ''),
      mode: String(raw.Mode ?? ''),
      running: replicas ? Number(replicas[1]) : 0,
      desired: replicas ? Number(replicas[2]) : 0,
      image: String(raw.Image ?? ''),
    };
  });
}

/** The tasks of a service, newest first, with their errors (no truncation). */
export function serviceTasks(service: string): Command {
  return { argv: ['docker', 'service', 'ps', service, '--no-trunc', '--format', '{{json .}}'], description: `list the tasks of ${service}` };
}

/** The tasks of several services (one `docker service ps` for all), newest first within each slot. */
export function servicesTasks(services: readonly string[]): Command {
  return { argv: ['docker', 'service', 'ps', '--no-trunc', '--format', '{{json .}}', ...services], description: `list the tasks of ${services.join(', ')}` };
}

export interface ServiceTask {
  /** `<service>.<slot>` (replicated) or `<service>.<node id>` (global). */
  name: string;
  node: string;
  desiredState: string;
  /** The state and how long it has been in it, as docker words it: `Starting 16 seconds ago`. */
  currentState: string;
  /** How long the task has been in its current state, at least (seconds; from currentState), when docker says. */
  stateSeconds?: number;
  error: string;
}

const SECONDS_PER: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86_400, week: 604_800, month: 2_592_000, year: 31_536_000 };

/**
 * The age in `docker service ps`'s CurrentState (`Running 2 minutes ago`, `Starting less than a second
 * ago`, `Failed about an hour ago`), in seconds, rounded down to what the words say: the docker CLI on
 * the manager words it from the manager's own clock, so no clock of ours is compared with it.
 */
export function stateAgeSeconds(currentState: string): number | undefined {
  const age = /\s(less than a second|about an? (second|minute|hour)|(\d+) (second|minute|hour|day|week|month|year)s?) ago$/i.exec(currentState.trim());
  if (!age) return undefined;
  if (/^less than/i.test(age[1]!)) return 0;
  if (age[2]) return SECONDS_PER[age[2].toLowerCase()];
  return Number(age[3]) * SECONDS_PER[age[4]!.toLowerCase()]!;
}

export function parseServiceTasks(output: string): ServiceTask[] {
  return jsonLines(output).map((raw) => {
    const currentState = String(raw.CurrentState ?? '');
    const seconds = stateAgeSeconds(currentState);
    return {
      name: String(raw.Name ?? ''),
      node: String(raw.Node ?? ''),
      desiredState: String(raw.DesiredState ?? ''),
      currentState,
      ...(seconds !== undefined ? { stateSeconds: seconds } : {}),
      // Written by the task's container runtime (and so by the image): shown only through remoteLine.
      error: remoteLine(String(raw.Error ?? '')),
    };
  });
}

/** Each service's rolling-update state (empty when it never updated): one `NAME STATE MESSAGE` line each. */
export function serviceUpdateStates(services: readonly string[]): Command {
  return {
    argv: ['docker', 'service', 'inspect', '--format', '{{.Spec.Name}}\t{{if .UpdateStatus}}{{.UpdateStatus.State}}\t{{.UpdateStatus.Message}}{{end}}', ...services],
    description: 'read the services\' update states',
  };
}

export interface UpdateState {
  service: string;
  /** updating | paused | completed | rollback_started | rollback_paused | rollback_completed, or '' */
  state: string;
  message: string;
}

export function parseUpdateStates(output: string): UpdateState[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [service = '', state = '', ...message] = line.split('\t');
      return { service, state, message: remoteLine(message.join('\t')) };
    });
}

/**
 * Builds the proxy image (delivery: image) from its build context on the node. The classic builder
 * (DOCKER_BUILDKIT=0): it needs no buildx plugin and no registry to read the base image from when the
 * node has it.
 */
export function imageBuild(tag: string, contextDir: string): Command {
  return { argv: ['env', 'DOCKER_BUILDKIT=0', 'docker', 'build', '--quiet', '--tag', tag, contextDir], description: `build the proxy image ${tag}` };
}

/** The running proxy container(s) on the node the command runs on. */
export function proxyContainers(project: string): Command {
  return {
    argv: ['docker', 'ps', '--filter', `label=com.docker.swarm.service.name=${project}_proxy`, '--filter', 'status=running', '--format', '{{.ID}}'],
    description: 'find the running proxy container',
  };
}

/** Removes one service of a stack (its tasks stop on their nodes shortly after). */
export function serviceRemove(service: string): Command {
  return { argv: ['docker', 'service', 'rm', service], description: `remove the service ${service}` };
}

/** The running containers of a service's tasks on the node the command runs on (one ID per line). */
export function serviceContainers(service: string): Command {
  return {
    argv: ['docker', 'ps', '--filter', `label=com.docker.swarm.service.name=${service}`, '--format', '{{.ID}}'],
    description: `find the running containers of ${service}`,
  };
}

/** Where a container has mounts (`docker inspect`): one destination per line. */
export function containerMounts(containerId: string): Command {
  return { argv: ['docker', 'inspect', '--format', '{{range .Mounts}}{{println .Destination}}{{end}}', containerId], description: 'read where the proxy container mounts its folders' };
}

/** `nginx -t` inside the running proxy, on the files as they are now in its folder. */
export function nginxTest(containerId: string): Command {
  return { argv: ['docker', 'exec', containerId, 'nginx', '-t', '-q', '-c', NGINX_CONF_IN_CONTAINER], description: 'check the new configuration with nginx -t' };
}

/** SIGHUP to nginx's master (the container's PID 1): new workers take the new files, old ones finish their requests. */
export function nginxReload(containerId: string): Command {
  return { argv: ['docker', 'kill', '--signal', 'HUP', containerId], description: 'reload nginx in place' };
}

/**
 * The gateway of Docker's default `bridge` network (docker0): an address of this machine that exists
 * as long as the engine runs and that containers reach through their default route (the support server
 * for `--target local`). docker_gwbridge would do too, but exists only once a task runs.
 */
export const gatewayBridgeAddress: Command = {
  argv: ['docker', 'network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'],
  description: "read this machine's address on Docker's bridge network",
};

/** The IPv4 address of a network interface of the node (docker0 when the bridge network does not name its gateway). */
export function interfaceAddress(name: string): Command {
  return { argv: ['ip', '-4', '-o', 'addr', 'show', 'dev', name], description: `read the address of ${name}` };
}

/** `ip -4 -o addr show` → the first address, without its prefix length. */
export function parseInterfaceAddress(output: string): string | undefined {
  return /\binet (\d{1,3}(?:\.\d{1,3}){3})\//.exec(output)?.[1];
}

/**
 * A new image for one service, as a rolling update under the service's own update_config (its order,
 * the monitor period, failure_action rollback): detached, so the caller follows UpdateStatus itself.
 */
export function serviceUpdateImage(service: string, image: string): Command {
  return { argv: ['docker', 'service', 'update', '--detach', '--with-registry-auth', '--image', image, service], description: `update ${service} to ${image}` };
}

/** The image a service's spec names now (`{{.Spec.TaskTemplate.ContainerSpec.Image}}`, maybe with @digest). */
export function serviceImage(service: string): Command {
  return { argv: ['docker', 'service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', service], description: `read the image of ${service}` };
}

/** `ghcr.io/me/a:2@sha256:…` → `ghcr.io/me/a:2`: the digest Swarm pins is not part of what the config names. */
export const withoutDigest = (image: string): string => image.trim().replace(/@sha256:[0-9a-f]+$/, '');
