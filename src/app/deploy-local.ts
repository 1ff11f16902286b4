import { join } from 'node:path';
import { projectIssuer } from '../certs/project-issuer.js';
import type { CertificateIssuer } from '../certs/renew-sites.js';
import { staticEntryPoints } from '../adapters/acme/entry-points.js';
import { serveWebroot } from '../adapters/acme/webroot-server.js';
import { gatewayBridgeAddress, interfaceAddress, parseInterfaceAddress } from '../commands/index.js';
import { StepFailed } from '../run/failure.js';
import { loadState, StateStore, type State } from '../state/index.js';
import { localTarget } from '../targets/local.js';
import { deployProject, localNodeRoot, runOptionsOf, type DeployResult, type DeployRunOptions } from './deploy-project.js';
import { LOCAL_SUPPORT_PORT } from './local-support.js';
import { changingProject } from './project-lock.js';


export interface LocalDeployOptions extends DeployRunOptions {
  /** The address to advertise when this machine's engine is not in a swarm yet (one with several addresses needs it). */
  advertiseAddr?: string;
}

export interface LocalDeployResult extends DeployResult {
  state: State;
}

/**
 * `apply --target local`: the whole flow on this machine — its Docker engine as a one-node swarm
 * (initialised if needed; a swarm it is already in is used, never re-initialised), this machine as the
 * support server (swarm-wiz answers HTTP-01 itself while it orders), the proxy folder inside the project
 * (`.swarm-wiz/local/<project>/proxy`). The docker CLI talks to whatever engine DOCKER_HOST names.
 */
export function deployLocal(options: LocalDeployOptions): Promise<LocalDeployResult> {
  return changingProject(options.dir, options.certificatesOnly ? 'renew' : 'apply', () => applyOnThisMachine(options));
}

async function applyOnThisMachine(options: LocalDeployOptions): Promise<LocalDeployResult> {
  const { config, dir } = options;
  const recorded = await loadState(dir, config.project);
  if (recorded.target === 'digitalocean' || recorded.cloud.droplets.length > 0) {
    throw new StepFailed('target', {
      message: `${dir} is a project on DigitalOcean droplets (its state lists them); --target local would deploy a second copy here`,
      hint: 'Try --target local in another folder (swarm-wiz apply --target local --dir ./try), or run apply without --target for the droplets.',
    });
  }
  const store = new StateStore(dir, recorded);
  if (recorded.target !== 'local') await store.update((s) => void (s.target = 'local'));
  const target = localTarget({ name: 'local', role: 'manager', publicIp: '127.0.0.1' });
  const shell = target.shell('local');
  const supportAddress = async () =>
    (await shell.probe(gatewayBridgeAddress)).stdout.trim() || parseInterfaceAddress((await shell.probe(interfaceAddress('docker0'))).stdout);
  const webroot = join(dir, '.swarm-wiz', 'acme-webroot');
  let issuer: Promise<CertificateIssuer> | undefined;
  const result = await deployProject({
    config,
    dir,
    store,
    target,
    nodeRoot: localNodeRoot(dir),
    advertiseAddr: () => options.advertiseAddr,
    supportAddress,
    renderContext: { supportPort: LOCAL_SUPPORT_PORT },
    resolveImage: 'never',
    buildsWithoutPush: true,
    issuing: {
      issuer: () =>
        (issuer ??= projectIssuer({
          config,
          dir,
          webroot,
          // The proxy publishes port 80 on this machine: the preflight asks it as the CA will.
          entryPoints: staticEntryPoints([{ address: '127.0.0.1', port: 80 }]),
          caCertFile: options.caCertFile,
          cloudApi: options.cloudApi,
          dnsServers: options.dnsServers,
        })),
      start: async () => {
        if (config.certificates.challenge !== 'http-01') return async () => undefined;
        const address = await supportAddress();
        if (!address) throw new StepFailed('certificates', { message: "Docker's bridge network has no gateway address", hint: 'swarm-wiz answers HTTP-01 for --target local on that address; start dockerd with its default bridge (not --bridge=none).' });
        const server = await serveWebroot(webroot, address, LOCAL_SUPPORT_PORT);
        return () => server.close();
      },
    },
    ...runOptionsOf(options),
  });
  return { ...result, state: store.state };
}
