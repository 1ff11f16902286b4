import { isIPv4 } from 'node:net';
import type { Config } from '../src/config/index.js';
import type { GeneratedFile, RenderContext } from './types.js';
import { renderCloudInit } from './cloud-init.js';
import { renderCompose } from './compose.js';
import { renderCrontab } from './crontab.js';
import { renderDockerfile } from './dockerfile.js';
import { renderNginxConf } from './nginx-conf.js';
import { nginxRenderingFor, nginxVersionOfImage, parseNginxVersion, type NginxRendering } from './nginx-version.js';
import { renderBuildProxyScript, renderDeployStackScript } from './scripts.js';

/** The nginx.conf rendering for this project: from context.nginxVersion if given, else the proxy image's tag. */
export function nginxRenderingOf(config: Config, context: RenderContext = {}): NginxRendering {
  const version = context.nginxVersion !== undefined ? parseNginxVersion(context.nginxVersion) : nginxVersionOfImage(config.proxy.image);
  return nginxRenderingFor(version);
}

/** proxy/nginx.conf for this project: the rendering its nginx can run, and the support server's port. */
export function renderProxyNginxConf(config: Config, context: RenderContext = {}): string {
  return renderNginxConf(config, { rendering: nginxRenderingOf(config, context), ...(context.supportPort !== undefined ? { supportPort: context.supportPort } : {}) });
}

const text = (path: string, content: string, description: string): GeneratedFile => ({ path, content, mode: 0o644, description });
const script = (path: string, content: string, description: string): GeneratedFile => ({ path, content, mode: 0o755, description });

/** Context values come from the state file, not the validated config: check them before they reach a script. */
function checkContext(context: RenderContext): void {
  for (const key of ['supportPrivateIp', 'managerPrivateIp'] as const) {
    const value = context[key];
    if (value !== undefined && !isIPv4(value)) throw new Error(`render context ${key}: ${JSON.stringify(value)} is not an IPv4 address`);
  }
  if (context.supportPort !== undefined && !(Number.isInteger(context.supportPort) && context.supportPort >= 1 && context.supportPort <= 65535)) {
    throw new Error(`render context supportPort: ${JSON.stringify(context.supportPort)} is not a port (1–65535)`);
  }
  if (context.nginxVersion !== undefined && parseNginxVersion(context.nginxVersion) === undefined) {
    throw new Error(`render context nginxVersion: ${JSON.stringify(context.nginxVersion)} is not a version like 1.22.1`);
  }
}

export function renderProjectFiles(config: Config, context: RenderContext = {}): GeneratedFile[] {
  checkContext(context);
  const rendering = nginxRenderingOf(config, context);
  const image = config.certificates.delivery === 'image';
  return [
    text('proxy/nginx.conf', renderProxyNginxConf(config, context), `the proxy's nginx.conf (${rendering} rendering)`),
    ...(image ? [text('proxy/Dockerfile', renderDockerfile(config), 'the proxy image: nginx.conf and certificates baked in')] : []),
    text('docker-compose.yml', renderCompose(config), `the stack: proxy (${config.topology}), services, networks`),
    text('support/crontab', renderCrontab(config), 'the support server crontab: swarm-wiz renew twice a day'),
    ...(image ? [script('support/build_proxy.sh', renderBuildProxyScript(config, context), 'build and push the proxy image, then deploy')] : []),
    script('support/deploy_stack.sh', renderDeployStackScript(config, context), 'docker stack deploy on the manager'),
    text('cloud-init/manager.yaml', renderCloudInit(config, 'manager'), 'user-data of the manager droplet(s)'),
    text('cloud-init/worker.yaml', renderCloudInit(config, 'worker'), 'user-data of the worker droplets'),
    text('cloud-init/support.yaml', renderCloudInit(config, 'support'), 'user-data of the support server'),
  ];
}
