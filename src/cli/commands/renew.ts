import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { RenewOutcome } from '../../app/renew.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { cloudEnv, writeLine, type CliIo } from '../io.js';
import { liveRunIo } from '../live-run.js';

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
    .action((options: RenewOptions) => renewCommand(options, io));
}

type StoredRenewal = Extract<RenewOutcome, { target: 'store' }>['results'][number];

function describe(result: StoredRenewal): string {
  switch (result.outcome) {
    case 'renewed':
      return `${result.domain}: renewed (${result.reason}); valid until ${result.meta.notAfter.slice(0, 10)}, serial ${result.meta.serial}`;
    case 'not-due':
      return `${result.domain}: not due${result.renewAt ? ` (renews from ${result.renewAt.toISOString().slice(0, 10)})` : ''}`;
    case 'failed':
      // Not asked (the CA's Retry-After, or our failed-validation limit): `a.test: … next attempt after 14:32 UTC`.
      return result.waiting ? `${result.domain}: ${result.error.message}` : `renew failed for ${result.domain}: ${result.error.message}`;
  }
}

async function renewCommand(options: RenewOptions, io: CliIo): Promise<void> {
  const { renew } = await import('../../app/renew.js');
  const { configPath, dir } = projectPaths(options, io);
  const outcome = await renew(
    {
      configPath,
      dir,
      force: options.force,
      ...(options.domain ? { only: options.domain } : {}),
      ...(options.webroot ? { webroot: options.webroot } : {}),
      ...(options.entry ? { entries: options.entry } : {}),
      ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
      ...(options.caCert ? { caCertFile: resolve(io.cwd, options.caCert) } : {}),
      credentials: { ...cloudEnv(io.env), env: io.env },
    },
    liveRunIo(io, { json: options.json, command: 'renew' }),
  );
  if (outcome.target === 'store') {
    reportStored(io, outcome, options);
    return;
  }
  reportDeployed(io, outcome, options);
}

/** A deployed project: what was ordered and rolled out through the running proxy. */
function reportDeployed(io: CliIo, outcome: Extract<RenewOutcome, { target: 'local' | 'digitalocean' }>, options: RenewOptions): void {
  const { issued } = outcome;
  if (outcome.target === 'digitalocean') {
    if (!options.json && issued.length > 0) writeLine(io.stdout, `Certificates ordered and rolled out: ${issued.join(', ')}.`);
    return;
  }
  if (options.json) {
    writeLine(io.stdout, JSON.stringify({ project: outcome.project, target: 'local', renewed: issued }));
    return;
  }
  if (io.isTTY && issued.length === 0) writeLine(io.stdout, 'Nothing to renew.');
  if (issued.length > 0 && io.isTTY) writeLine(io.stdout, `Renewed and rolled out: ${issued.join(', ')}.`);
}

/** A project swarm-wiz did not deploy: each site's renewal; a failed one exits 1 naming it. */
function reportStored(io: CliIo, outcome: Extract<RenewOutcome, { target: 'store' }>, options: RenewOptions): void {
  const { results, copied } = outcome;
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
