import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import type { DeployContext, ProxyFile } from '../../src/run/deploy-context.js';
import { DEFAULT_DEPLOY_TIMING } from '../../src/run/deploy-context.js';
import { emptyState, StateStore } from '../../src/state/index.js';
import type { Target } from '../../src/targets/target.js';

/** A DeployContext for handler tests: the article's example, its state in `stateDir`, nothing issued. */
export function handlerContext(target: Target, stateDir: string, proxyFiles: Map<string, ProxyFile> = new Map()): DeployContext {
  return {
    config: parseConfig(SEED_EXAMPLE),
    store: new StateStore(stateDir, emptyState('demo')),
    target,
    emit: () => undefined,
    signal: undefined,
    timing: DEFAULT_DEPLOY_TIMING,
    proxyFiles: async () => proxyFiles,
    stackSpec: async () => ({ compose: '', env: {}, hash: '', files: new Map() }),
    issue: async () => {
      throw new Error('not used');
    },
    resolveImage: 'never',
  };
}
