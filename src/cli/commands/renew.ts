import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { SiteRenewal } from '../../certs/renew-sites.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { writeLine, type CliIo } from '../io.js';
import { dnsChallengeApi, projectCaCert } from '../dns-api.js';
import { changingProject } from '../../app/project-lock.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

interface RenewOptions extends CommonOptions {
  force: boolean;
  domain?: string[];
  webroot?: string;
  entry?: string[];
  dnsServer?: string[];
  caCert?: string;
}

export const ROLLOUT_NOT_AUTOMATED =
  'This project was not deployed by swarm-wiz: the proxy keeps serving the previous certificates until you roll the new ones out (support/deploy_stack.sh for delivery: secrets, support/build_proxy.sh for image). A project deployed with swarm-wiz apply reloads them itself.';

/** `swarm-wiz renew`: what the support server's cron runs. Exit 0 nothing due or renewed, 1 a renewal failed, 2 config invalid. */
export function registerRenewCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('renew'))
    .description('renew the certificates that are due (less than a third of their lifetime left); what support/crontab runs')
    .option('--force', 'renew every certificate, due or not', false)
    .option('--domain <name...>', 'only these sites')
    .option('--webroot <dir>', "http-01: the support server's webroot (default: <dir>/acme-webroot)")
    .option('--entry <address...>', "http-01 preflight: IP[:PORT] where the proxy answers (default: the IP state.json records for it, else its A records; port 80)")
    .option('--dns-server <address...>', 'DNS servers (IP[:PORT]) to ask instead of the system resolver and the zone\'s name servers')
    .option('--ca-cert <file>', 'PEM file to trust for the CA (a private or test ACME server)')
    .action(async (options: RenewOptions) => {
      // Held before swarm-wiz.yaml and the state are read: a renew while another command changes the
      // project stops at once (cron mails the line naming it). The use cases inside run under it.
      await changingProject(projectPaths(options, io).dir, 'renew', () => renewCommand(options, io));
    });
}

function describe(result: SiteRenewal): string {
  switch (result.outcome) {
    case 'renewed':
      return `${result.domain}: renewed (${result.reason}); valid until ${result.meta.notAfter.slice(0, 10)}, serial ${result.meta.serial}`;
    case 'not-due':
      return `${result.domain}: not due${result.renewAt ? ` (renews from ${result.renewAt.toISOString().slice(0, 10)})` : ''}`;
    case 'failed':
      // Not asked (the CA's Retry-After, or our failed-validation limit): `a.test: … next attempt after 14:32 UTC`.
      return result.error.name === 'WaitingForCaError' ? `${result.domain}: ${result.error.message}` : `renew failed for ${result.domain}: ${result.error.message}`;
  }
}

async function renewCommand(options: RenewOptions, io: CliIo): Promise<void> {
  const [
    { loadConfig, showValue },
    { siteNamesOf },
    { parseEntry },
    { loadProjectState },
  ] = await Promise.all([
    import('../../config/index.js'),
    import('../../certs/sites.js'),
    import('../../certs/project-issuer.js'),
    import('../project-state.js'),
  ]);
  const { configPath, dir } = projectPaths(options, io);
  const config = await loadConfig(configPath);
  const sites = siteNamesOf(config);
  const unknown = (options.domain ?? []).filter((domain) => !sites.some((site) => site.domain === domain));
  if (unknown.length > 0) throw new CliExit(EXIT.usage, `--domain ${unknown.map(showValue).join(', ')}: not a site in ${configPath} (sites: ${sites.map((s) => s.domain).join(', ')})`);
  const recorded = await loadProjectState(io, dir, config.project);
  if (recorded.target === 'local' || recorded.target === 'digitalocean') {
    // A deployed project: order what is due through the running proxy and roll it out in the same run.
    if (options.domain) throw new CliExit(EXIT.usage, `--domain is not supported yet for a project swarm-wiz deployed (${recorded.target}): renew orders what is due, or everything with --force.`);
    const caCertFile = await projectCaCert(dir, options.caCert ? resolve(io.cwd, options.caCert) : undefined);
    const cloudApi = await dnsChallengeApi(io, config, dir);
    const dns = { ...(cloudApi ? { cloudApi } : {}), ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}) };
    if (recorded.target === 'local') {
      const { renewLocalCommand } = await import('../apply-local.js');
      await renewLocalCommand({ config, dir, io, json: options.json, force: options.force, ...(caCertFile ? { caCertFile } : {}), ...dns });
    } else {
      const { deployDropletsCommand } = await import('../deploy-droplets.js');
      await deployDropletsCommand({ config, dir, io, json: options.json, renew: { force: options.force }, ...(caCertFile ? { caCertFile } : {}), ...dns });
    }
    return;
  }
  let entries;
  try {
    entries = (options.entry ?? []).map((entry) => parseEntry(entry));
  } catch (error) {
    throw new CliExit(EXIT.usage, (error as Error).message);
  }
  const cloudApi = await dnsChallengeApi(io, config, dir);
  const storedCaCert = await projectCaCert(dir, options.caCert);

  const { renewStored } = await import('../../app/renew.js');
  const { results, copied } = await renewStored({
      config,
      dir,
      state: recorded,
      force: options.force,
      ...(options.domain ? { only: options.domain } : {}),
      ...(options.webroot ? { webroot: options.webroot } : {}),
      entries,
      ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
      ...(storedCaCert ? { caCertFile: storedCaCert } : {}),
      ...(cloudApi ? { cloudApi } : {}),
  });
  const renewed = results.filter((result) => result.outcome === 'renewed');
  const failed = results.filter((result) => result.outcome === 'failed');

  if (options.json) {
    writeLine(
      io.stdout,
      JSON.stringify(
        results.map((result) => ({
          domain: result.domain,
          outcome: result.outcome,
          reason: result.reason,
          ...(result.outcome === 'renewed' ? { serial: result.meta.serial, notAfter: result.meta.notAfter } : {}),
          ...(result.outcome === 'not-due' && result.renewAt ? { renewAt: result.renewAt.toISOString() } : {}),
          ...(result.outcome === 'failed' ? { error: result.error.name, message: result.error.message, ...(result.error.retryAfter ? { retryAfter: result.error.retryAfter.toISOString() } : {}) } : {}),
        })),
        null,
        2,
      ),
    );
  } else {
    // Under cron every line becomes mail: without a terminal only changes are reported.
    const chatty = io.isTTY || options.verbose;
    for (const result of results) if (result.outcome === 'renewed' || (chatty && result.outcome === 'not-due')) writeLine(io.stdout, describe(result));
    if (copied.length > 0) writeLine(io.stdout, `Wrote proxy/certs/ for ${copied.join(', ')}.`);
    if (renewed.length > 0) writeLine(io.stdout, ROLLOUT_NOT_AUTOMATED);
    if (chatty && renewed.length === 0 && failed.length === 0) writeLine(io.stdout, 'Nothing to renew.');
  }
  if (failed.length > 0) throw new CliExit(EXIT.failure, failed.map(describe).join('\n'));
}
