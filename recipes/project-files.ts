import type { Config } from '../src/config/index.js';
import type { GeneratedFile, RenderContext } from './index.js';
import { renderNginxConf } from './nginx-conf.js';
import { nginxRenderingFor, nginxVersionOfImage, parseNginxVersion } from './nginx-version.js';

/** The nginx.conf rendering for this project: from context.nginxVersion if given, else the proxy image's tag. */
export function nginxRenderingOf(config: Config, context: RenderContext) {
  const version = context.nginxVersion !== undefined ? parseNginxVersion(context.nginxVersion) : nginxVersionOfImage(config.proxy.image);
  return nginxRenderingFor(version);
}

export function renderProjectFiles(config: Config, context: RenderContext = {}): GeneratedFile[] {
  const rendering = nginxRenderingOf(config, context);
  return [
    {
      path: 'proxy/nginx.conf',
      content: renderNginxConf(config, { rendering }),
      mode: 0o644,
      description: `the proxy's nginx.conf (${rendering} rendering)`,
    },
  ];
}
