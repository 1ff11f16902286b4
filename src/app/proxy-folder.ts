import { certificateFiles } from '../../recipes/names.js';
import { renderProxyNginxConf } from '../../recipes/project-files.js';
import type { RenderContext } from '../../recipes/index.js';
import type { CertificateStore } from '../adapters/certificate-store.js';
import type { Config } from '../config/index.js';
import type { ProxyFile } from '../run/deploy-context.js';

/** Relative to the proxy folder: `certs/<domain>/fullchain.pem` (nginx.conf names them under /etc/nginx/swarm-wiz). */
export const inProxyFolder = (projectRelative: string): string => projectRelative.replace(/^proxy\//, '');

/** nginx.conf and every site's chain + key (placeholder or real), as the proxy folder must hold them. */
export async function desiredProxyFiles(config: Config, certs: CertificateStore, context: RenderContext): Promise<Map<string, ProxyFile>> {
  const files = new Map<string, ProxyFile>();
  for (const site of config.sites) {
    const stored = await certs.read(site.domain);
    if (!stored) continue;
    const paths = certificateFiles(site.domain);
    files.set(inProxyFolder(paths.chain), { content: stored.fullchainPem, mode: 0o644 });
    files.set(inProxyFolder(paths.key), { content: stored.keyPem, mode: 0o600 });
  }
  files.set('nginx.conf', { content: renderProxyNginxConf(config, context), mode: 0o644 });
  return files;
}
