import type { Config } from '../config/index.js';
import type { SupportStep } from './deploy-types.js';

/** What the support server looks like now, and what its copy of the project must hold. */
export interface SupportFacts {
  /** The support droplet. */
  name: string;
  /** The project folder there. */
  dir: string;
  /** sha256 per file of the copy now (relative to dir); undefined when swarm-wiz is not installed there. */
  files?: ReadonlyMap<string, string>;
  /** What the copy must hold: relative path → sha256. */
  desiredFiles: ReadonlyMap<string, string>;
  /** root's crontab there is the generated one. */
  crontabMatches: boolean;
  /** Swarm nodes that do not authorise its SSH key (every node while it has none). */
  unauthorized: string[];
  /** The copy holds the DigitalOcean token (dns-01). */
  token: boolean;
  /** Certificates it had renewed on its own, copied into this project folder before planning. */
  taken?: string[];
  /**
   * It holds no copy of the project although the project was deployed before (its droplet was made
   * again): what it kept only there is lost; the certificates it had rolled out were taken back from the
   * proxy folders (`fromProxies`, newer than this folder's).
   */
  copyLost?: { fromProxies: string[] };
}

/** The support step: install (create), bring up to date (update) or nothing to do (same). Pure. */
export function planSupport(config: Config, support: SupportFacts): SupportStep {
  const changed = [...support.desiredFiles].filter(([path, hash]) => support.files?.get(path) !== hash).map(([path]) => path);
  const installed = support.files?.has('bin/swarm-wiz') === true && support.files.has('bin/swarm-wiz.mjs');
  const op = !installed ? 'create' : changed.length > 0 || !support.crontabMatches || support.unauthorized.length > 0 ? 'update' : 'same';
  const parts = [
    ...(changed.length > 0 ? [`copy ${changed.length === support.desiredFiles.size ? 'swarm-wiz and the project folder' : changed.join(', ')}`] : []),
    ...(!support.crontabMatches ? ['install the crontab (renew twice a day, then status --check)'] : []),
    ...(support.unauthorized.length > 0 ? [`authorise its SSH key on ${support.unauthorized.join(', ')}`] : []),
  ];
  const taken = support.taken && support.taken.length > 0 ? ` (the certificates it renewed for ${support.taken.join(', ')} were copied into this project folder first)` : '';
  const warnings = [
    ...(support.copyLost ? [copyLostWarning(support.name, support.copyLost.fromProxies)] : []),
    ...(support.token && op !== 'same' ? [`certificates.challenge is dns-01: the DigitalOcean API token is copied to ${support.name} (${support.dir}/.swarm-wiz/digitalocean-token, readable by root only) so its renewals can create TXT records`] : []),
  ];
  return {
    kind: 'support',
    op,
    id: `support:${support.name}`,
    name: support.name,
    node: support.name,
    dir: support.dir,
    changed,
    crontab: !support.crontabMatches,
    authorize: support.unauthorized,
    token: support.token,
    description:
      op === 'same'
        ? `the support server ${support.name} renews the certificates from its crontab (up to date)${taken}`
        : `${op === 'create' ? 'set up' : 'update'} the support server ${support.name} to renew the certificates from cron: ${parts.join('; ')}${taken}`,
    ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}),
  };
}


/** What a support server made again has lost, and what was saved from the proxies. */
function copyLostWarning(name: string, fromProxies: readonly string[]): string {
  const saved = fromProxies.length > 0 ? `the certificates it had renewed for ${fromProxies.join(', ')} were taken back from the proxies` : 'no certificate the proxies serve is newer than this folder\'s, so none it renewed is lost';
  return (
    `${name} holds no copy of the project (its droplet was made again): it gets this folder's copy, renewal state included; ${saved}. ` +
    'Lost with the old droplet: its own record of alerts sent (a problem still open is alerted once more) and of its failed renewal attempts'
  );
}
