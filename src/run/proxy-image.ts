import { imageBuild, imagePush, registryLogin, type Command } from '../commands/index.js';
import { CommandFailed } from '../targets/errors.js';
import type { Shell } from '../targets/target.js';
import { throwIfAborted } from './context.js';
import type { DeployContext, ProxyImageBuild } from './deploy-context.js';
import { StepFailed } from './failure.js';

/** What delivery: image runs on the manager before the stack deploy: build, then (droplets) log in and push. */
export function proxyImageCommands(build: ProxyImageBuild, contextDir: string): Command[] {
  const push = build.push;
  if (!push) return [imageBuild(build.tag, contextDir)];
  return [imageBuild(build.tag, contextDir), ...(push.login ? [registryLogin(push.login, push.dockerConfig)] : []), imagePush(build.tag, push.dockerConfig)];
}

const CREDENTIALS = 'DIGITALOCEAN_ACCESS_TOKEN for registry.digitalocean.com, else SWARM_WIZ_REGISTRY_USER and SWARM_WIZ_REGISTRY_PASSWORD';
const HINTS = {
  login: `Check the registry credentials (${CREDENTIALS}), then run apply again.`,
  push: 'Check that the registry in swarm-wiz.yaml exists and that these credentials may push to it, then run apply again.',
  anonymousPush: `No registry login was given: set ${CREDENTIALS} unless the registry takes anonymous pushes, then run apply again.`,
};

/**
 * Builds the proxy image on the node (the proxy folder with the certificates is there) with the tag
 * the compose file names, and pushes it when the other nodes must pull it (the stack deploy then
 * passes the login on with --with-registry-auth). A failed login or push says what to check.
 */
export async function buildProxyImage(ctx: DeployContext, stepId: string, shell: Shell, build: ProxyImageBuild, contextDir: string): Promise<void> {
  for (const command of proxyImageCommands(build, contextDir)) {
    throwIfAborted(ctx);
    const what = command.argv.includes('login') ? 'login' : command.argv.includes('push') ? 'push' : undefined;
    try {
      await shell.run(command, { signal: ctx.signal, onOutput: (line) => ctx.emit({ type: 'step-progress', stepId, message: line }) });
    } catch (error) {
      if (!what || !(error instanceof CommandFailed)) throw error;
      throw new StepFailed(stepId, { message: error.summary, hint: what === 'push' && !build.push?.login ? HINTS.anonymousPush : HINTS[what] });
    }
  }
}
