import { requireTool } from './tools.js';

/** Where test/peers/install.sh unpacks Debian 13's restic (0.18 when written), the one the droplets run. */
export const RESTIC_BINARY = '/opt/swarm-wiz-test/restic-trixie/usr/bin/restic';

export const resticBinary = (): string => RESTIC_BINARY;

/** Fails (never skips) unless Debian 13's restic is unpacked (test/peers/install.sh). */
export const requireRestic = (): void =>
  requireTool("restic (Debian 13's, unpacked into /opt/swarm-wiz-test/restic-trixie by test/peers/install.sh)", [RESTIC_BINARY, 'version'], 'backups to S3-compatible storage');
