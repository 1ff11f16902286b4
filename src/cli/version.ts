import packageJson from '../../package.json' with { type: 'json' };

/**
 * The version of swarm-wiz (`swarm-wiz --version`): package.json's, read at build time into both
 * builds (the installed package and the support server's one file), and as-is when run from a checkout.
 */
export const VERSION: string = packageJson.version;
