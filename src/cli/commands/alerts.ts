import type { Command } from 'commander';
import type { AlertsChange } from '../../app/alerts.js';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { firstLine, writeLine, type CliIo } from '../io.js';

interface SetOptions extends CommonOptions {
  webhook?: string;
  format?: string;
  heartbeat?: string;
}

interface RmOptions extends CommonOptions {
  webhook: boolean;
  heartbeat: boolean;
}

async function projectOf(options: CommonOptions, io: CliIo): Promise<{ dir: string; project: string }> {
  const { loadConfig } = await import('../../config/index.js');
  const { configPath, dir } = projectPaths(options, io);
  return { dir, project: (await loadConfig(configPath)).project };
}

function reportChange(io: CliIo, options: CommonOptions, change: AlertsChange): void {
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(change));
    return;
  }
  if (change.destinations.length === 0) writeLine(io.stdout, 'No alerts are set.');
  for (const shown of change.destinations) writeLine(io.stdout, `${shown.what}: ${shown.url}${shown.format ? ` (${shown.format})` : ''}`);
  const support = change.support;
  if ('copied' in support) writeLine(io.stdout, `Copied to the support server ${support.copied}: its next cron run uses it.`);
  else if ('later' in support) writeLine(io.stderr, `Saved here; ${support.later}.`);
}

/**
 * `swarm-wiz alerts set|ls|rm|test`: where the support server's cron run sends problems (a webhook, its
 * body shaped for Slack, Discord, ntfy or plain JSON) and pings after every run with nothing critical (a
 * heartbeat URL, so an outside service notices silence). The URLs carry tokens: they are stored in
 * `.swarm-wiz/alerts.json` (0600), copied to the support server, never written to swarm-wiz.yaml, and
 * shown only masked. Exit 0 done, 1 a delivery failed (test), 2 a bad URL or format.
 */
export function registerAlertsCommand(program: Command, io: CliIo): void {
  const alerts = program.command('alerts').description('where alerts go: a webhook (Slack, Discord, ntfy, JSON) and a heartbeat URL pinged after every good cron run');
  withCommonOptions(alerts.command('set'))
    .option('--webhook <url>', 'the webhook to post each problem to, once (again after 12 h while it lasts) and "resolved" when it clears; - reads it from stdin')
    .option('--format <format>', 'the body the webhook expects: slack, discord, ntfy or json (default: guessed from its host, else json)')
    .option('--heartbeat <url>', 'pinged (GET) after every cron run with nothing critical (healthchecks.io, Uptime Kuma push, Better Stack); - reads it from stdin')
    .description('store where alerts go (kept out of swarm-wiz.yaml, 0600, copied to the support server, never printed in full)')
    .action(async (options: SetOptions) => {
      if (options.webhook === '-' && options.heartbeat === '-') throw new CliExit(EXIT.usage, 'only one of --webhook and --heartbeat can read stdin (-); set the other in a second call');
      const webhook = options.webhook === '-' ? (await firstLine(io.stdin)).trim() : options.webhook;
      const heartbeat = options.heartbeat === '-' ? (await firstLine(io.stdin)).trim() : options.heartbeat;
      const { alertsSet } = await import('../../app/alerts.js');
      const change = await alertsSet({
        ...(await projectOf(options, io)),
        ...(webhook !== undefined ? { webhook } : {}),
        ...(heartbeat !== undefined ? { heartbeat } : {}),
        ...(options.format !== undefined ? { format: options.format } : {}),
      });
      reportChange(io, options, change);
    });
  withCommonOptions(alerts.command('ls'))
    .description('where alerts go, with the secret part of each URL masked')
    .action(async (options: CommonOptions) => {
      const { alertsList } = await import('../../app/alerts.js');
      const { dir } = projectPaths(options, io);
      const shown = await alertsList({ dir });
      if (options.json) return writeLine(io.stdout, JSON.stringify(shown));
      if (shown.length === 0) writeLine(io.stdout, 'No alerts are set: swarm-wiz alerts set --webhook URL and/or --heartbeat URL.');
      for (const destination of shown) writeLine(io.stdout, `${destination.what}: ${destination.url}${destination.format ? ` (${destination.format})` : ''}`);
    });
  withCommonOptions(alerts.command('rm'))
    .option('--webhook', 'remove the webhook', false)
    .option('--heartbeat', 'remove the heartbeat URL', false)
    .description('stop sending alerts: the webhook, the heartbeat, or both when neither is named')
    .action(async (options: RmOptions) => {
      const { alertsRemove } = await import('../../app/alerts.js');
      reportChange(io, options, await alertsRemove({ ...(await projectOf(options, io)), webhook: options.webhook, heartbeat: options.heartbeat }));
    });
  withCommonOptions(alerts.command('test'))
    .description('send a test message to the webhook and ping the heartbeat URL; exit 1 when one does not arrive')
    .action(async (options: CommonOptions) => {
      const { alertsTest } = await import('../../app/alerts.js');
      const deliveries = await alertsTest(await projectOf(options, io));
      if (options.json) writeLine(io.stdout, JSON.stringify(deliveries));
      else for (const delivery of deliveries) writeLine(io.stdout, `${delivery.what} ${delivery.url}: ${delivery.ok ? 'delivered' : `failed: ${delivery.reason ?? 'unknown reason'}`}`);
      const failed = deliveries.filter((delivery) => !delivery.ok);
      if (failed.length > 0) throw new CliExit(EXIT.failure, `alerts test: ${failed.map((delivery) => delivery.what).join(' and ')} not delivered`);
    });
}
