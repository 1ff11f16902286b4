import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supportWebroot, REMOTE_ROOT } from '../../recipes/names.js';
import { ShellWebrootResponder } from '../adapters/acme/shell-webroot-responder.js';
import type { EntryPoints } from '../adapters/acme/preflight.js';
import { projectIssuer } from '../certs/project-issuer.js';
import { sshKeyPath } from '../adapters/ssh-key.js';
import type { CertificateIssuer } from '../certs/renew-sites.js';
import type { StateStore } from '../state/index.js';
import { sshTarget, type HostKeyStore } from '../targets/ssh.js';
import type { Target, TargetNode } from '../targets/target.js';
import { withLocalNode } from '../targets/local.js';
import type { SupportSetup } from './support.js';
import { deployProject, runOptionsOf, type DeployResult, type DeployRunOptions } from './deploy-project.js';

/** Host keys pinned in .swarm-wiz/state.json (`nodes.<name>.hostKey`), saved the moment they are first seen. */
export function stateHostKeys(store: StateStore): HostKeyStore {
  return {
    get: (nodeName) => store.state.nodes?.[nodeName]?.hostKey,
    pin: (nodeName, hostKeyLine) =>
      store.update((s) => {
        s.nodes = { ...s.nodes, [nodeName]: { ...s.nodes?.[nodeName], hostKey: hostKeyLine } };
      }),
  };
}

export interface RemoteTargetOptions {
  dir: string;
  store: StateStore;
  nodes: readonly TargetNode[];
  /** The SSH port (22 on droplets; a test's sshd elsewhere). */
  port?: number;
  /** The node that is this machine (the support server running its own renew): its commands run here. */
  local?: string;
}

/** The droplets (or any nodes reached over SSH) as a Target: the project's key, host keys pinned in the state. */
export async function remoteTarget(options: RemoteTargetOptions): Promise<{ target: Target; dispose(): Promise<void> }> {
  // ControlMaster sockets need a short path (unix sockets are limited to ~104 bytes).
  const controlDir = await mkdtemp(join(tmpdir(), 'swz-ssh-'));
  const ssh = sshTarget(options.nodes, {
    keyPath: sshKeyPath(options.dir),
    controlDir,
    hostKeys: stateHostKeys(options.store),
    ...(options.port ? { port: options.port } : {}),
  });
  const target = options.local ? withLocalNode(ssh, options.local) : ssh;
  return {
    target,
    dispose: async () => {
      await target.close();
      await rm(controlDir, { recursive: true, force: true });
    },
  };
}

export interface RemoteDeployOptions extends DeployRunOptions {
  store: StateStore;
  target: Target;
  /** The node holding the ACME webroot that every proxy forwards to (the support droplet). */
  supportNode: string;
  /** Its address as the proxy reaches it (the support droplet's private IP). */
  supportAddress: string;
  /** Where its webroot server answers; default 80 (cloud-init's busybox httpd). */
  supportPort?: number;
  /** The support server's webroot; default /srv/swarm-wiz/<project>/acme-webroot. */
  webroot?: string;
  /** Parent of the project folder on the nodes; default /srv/swarm-wiz. */
  nodeRoot?: string;
  /** Where HTTP for each domain enters (its proxy nodes' public IPs, or the load balancer), for the preflight. */
  entryPoints: EntryPoints;
  resolveImage?: 'always' | 'changed' | 'never';
  /** Set up the support server to renew from cron (apply from the operator's machine; not on the support server itself). */
  support?: SupportSetup;
}

/**
 * The deploy over SSH: swarm bootstrap on the nodes, the proxy folder on each proxy node, the stack on
 * the first manager, certificates ordered through the deployed proxy with the HTTP-01 token written into
 * the support server's webroot over its shell, then rolled out with a reload in place.
 */
export async function deployRemote(options: RemoteDeployOptions): Promise<DeployResult> {
  const { config, dir } = options;
  let issuer: Promise<CertificateIssuer> | undefined;
  // http-01 tokens go into the support server's webroot through its shell; dns-01 goes through the DigitalOcean API.
  const makeIssuer = (): Promise<CertificateIssuer> =>
    projectIssuer({
      config,
      dir,
      httpResponder: new ShellWebrootResponder(options.target.shell(options.supportNode), options.webroot ?? supportWebroot(config)),
      entryPoints: options.entryPoints,
      caCertFile: options.caCertFile,
      cloudApi: options.cloudApi,
      dnsServers: options.dnsServers,
    });
  return deployProject({
    config,
    dir,
    store: options.store,
    target: options.target,
    nodeRoot: options.nodeRoot ?? REMOTE_ROOT,
    advertiseAddr: (name) => options.target.nodes().find((node) => node.name === name)?.privateIp,
    supportAddress: async () => options.supportAddress,
    renderContext: { supportPrivateIp: options.supportAddress, ...(options.supportPort && options.supportPort !== 80 ? { supportPort: options.supportPort } : {}) },
    resolveImage: options.resolveImage ?? 'always',
    issuing: { issuer: () => (issuer ??= makeIssuer()) },
    ...(options.support ? { support: options.support } : {}),
    ...runOptionsOf(options),
  });
}
