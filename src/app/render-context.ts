import type { RenderContext } from '../../recipes/index.js';
import type { State } from '../state/index.js';
import { LOCAL_SUPPORT_PORT } from '../app/local-support.js';

/** What the recipes need from what provisioning recorded: the support server's and first manager's private IPs. */
export function renderContextOf(state: State, target: 'local' | 'digitalocean' | undefined = state.target): RenderContext {
  const privateIpOf = (role: 'support' | 'manager') =>
    state.cloud.droplets
      .filter((droplet) => droplet.role === role && droplet.privateIpv4)
      .sort((a, b) => a.name.localeCompare(b.name))[0]?.privateIpv4;
  const supportPrivateIp = privateIpOf('support');
  const managerPrivateIp = privateIpOf('manager');
  return {
    ...(supportPrivateIp ? { supportPrivateIp } : {}),
    ...(managerPrivateIp ? { managerPrivateIp } : {}),
    // --target local: swarm-wiz answers HTTP-01 itself beside the proxy, which holds port 80.
    ...(target === 'local' ? { supportPort: LOCAL_SUPPORT_PORT } : {}),
  };
}
