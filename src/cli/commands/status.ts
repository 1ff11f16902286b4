import type { Command } from 'commander';
import { projectPaths, withCommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { cloudEnv, writeLine, type CliIo } from '../io.js';
import type { AlertRunRequest } from '../../app/alerts.js';
import type { CertsOptions } from './certs.js';

interface StatusOptions extends CertsOptions {
  target?: string;
  timeout: string;
  watch?: string | boolean;
  alert: boolean;
}

const WATCH_DEFAULT_S = 5;

/**
 * `swarm-wiz status`: nodes, the stack, what every entry address serves for every domain, and the
 * certificates, filled in as the answers arrive. Exit 0 all fine, 1 anything down, mismatched or
 * unhealthy, 2 a bad flag or config. `--check` is the check cron runs: the certificates (as `certs --check`),
 * the nodes and services, and the support server, one line per problem; exit 0 fine, 1 warning, 2 critical.
 */
export function registerStatusCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('status'))
    .description('nodes, services, and per entry address × domain the certificate really served (vs the stored one) and the HTTP status of https://domain/; then the certificates')
    .option('--target <target>', "local: ask this machine's Docker engine (a project applied with --target local); default: what the state records (a manager over SSH)")
    .option('--entry <address...>', 'IP[:PORT] to probe (default: the IP state.json records for each domain, else its A records; port 443)')
    .option('--dns-server <address...>', 'DNS servers for the A look-ups instead of the system resolver')
    .option('--ca-cert <file>', 'PEM file of the root to verify served certificates against (a test CA)')
    .option('--timeout <seconds>', 'the limit of each probe (TLS handshake, GET /); a dead entry is marked down after it', String(DEFAULT_TIMEOUT_S))
    .option('--watch [seconds]', `redraw in place every few seconds (default ${WATCH_DEFAULT_S}) until Ctrl-C`)
    .option('--no-probe', 'do not connect to the entry addresses')
    .option(
      '--check',
      `for cron and monitoring: the certificates (as certs --check), the nodes and services a manager reports, and the support server over SSH; one line per problem (all well: silent, "${ALL_FINE_EXAMPLE}" on a terminal); exit 0 fine, 1 warning, 2 critical`,
      false,
    )
    .option('--alert', 'with --check (what the support server\'s crontab runs): send each problem once to the webhook of alerts set (again after 12 h while it lasts, "resolved" when it clears) and ping its heartbeat URL when nothing is critical', false)
    .addHelpText(
      'after',
      '\nExit codes: 0 all fine; 1 something is down, mismatched or unhealthy (a node not ready, a service not running all its replicas, an entry not answering or serving another certificate than the stored one, GET / failing or 5xx, a certificate missing or expired), or no manager answered; 2 a bad flag or config.\nWith --check: 0 fine; 1 a warning (a renewal overdue or failed, a certificate past two thirds of its life, an entry serving another certificate, a worker down or drained, a service below its replicas or unhealthy); 2 critical (a certificate expired, missing or not covering its domain, a manager or proxy node down, the proxy not running, no manager answering, the support server not answering, state.json unreadable). --json: {"exitCode", "problems": [{"key", "kind", "severity", "line"}]}, each key the same on every run while its problem lasts.',
    )
    .action(async (options: StatusOptions) => {
      if (options.alert && !options.check) throw new CliExit(EXIT.usage, '--alert sends what --check finds: give both (status --check --alert)');
      if (options.check) return checkCommand(options, io);
      await statusCommand(options, io);
    });
}

const DEFAULT_TIMEOUT_S = 5;

/** The words of `status --check`'s all-fine line for an applied project on droplets (src/app/project-check.ts allFineLine). */
const ALL_FINE_EXAMPLE = 'all fine: certificates, nodes, services, support server';

/** `status --check`: certificates, cluster and support server → one line per problem (or JSON), exit 0/1/2. */
async function checkCommand(options: StatusOptions, io: CliIo): Promise<void> {
  const target = targetOf(options);
  const [{ loadConfig }, { projectCheck, allFineLine }, { parseEntries }] = await Promise.all([import('../../config/index.js'), import('../../app/project-check.js'), import('../../app/entries.js')]);
  const { configPath, dir } = projectPaths(options, io);
  const config = await loadConfig(configPath);
  const { problems, exitCode, checked } = await projectCheck({
    config,
    dir,
    ...(target ? { target } : {}),
    probe: options.probe,
    entries: parseEntries(options.entry, 443),
    ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
    ...(options.caCert ? { caCertFile: options.caCert } : {}),
    warn: (line) => writeLine(io.stderr, line),
  });
  if (options.json) writeLine(io.stdout, JSON.stringify({ exitCode, problems }, null, 2));
  else if (problems.length > 0) writeLine(io.stdout, problems.map((problem) => problem.line).join('\n'));
  // Under cron every line becomes mail: all well is silent there, one line on a terminal.
  else if (io.isTTY || options.verbose) writeLine(io.stdout, allFineLine(checked));
  if (options.alert) await sendAlerts(io, { dir, project: config.project, problems, critical: exitCode === 2 });
  if (exitCode !== 0) throw new CliExit(exitCode);
}

/** The alerts of a cron run: a delivery that failed is one line on stderr (cron mails it); the check's exit code stays the run's. */
async function sendAlerts(io: CliIo, request: AlertRunRequest): Promise<void> {
  const [{ alertOnCheck }, { remoteLine }] = await Promise.all([import('../../app/alerts.js'), import('../../text/remote-text.js')]);
  let outcome;
  try {
    outcome = await alertOnCheck(request);
  } catch (error) {
    // A broken alerts file must not hide the check's own exit code.
    writeLine(io.stderr, `alerts: not sent: ${remoteLine(error instanceof Error ? error.message : String(error))}`);
    return;
  }
  if (outcome.memoryReset) writeLine(io.stderr, `alerts: what was sent could not be read (${outcome.memoryReset}); every current problem is sent again`);
  for (const delivery of outcome.deliveries.filter((d) => !d.ok)) writeLine(io.stderr, `alerts: ${delivery.what} not delivered (${delivery.reason ?? 'unknown reason'}); tried again on the next run`);
}

function seconds(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0) || value > max) throw new CliExit(EXIT.usage, `${flag} ${JSON.stringify(text)} is not a number of seconds (more than 0, at most ${max})`);
  return value;
}

/** `--target`: `local`, or nothing (digitalocean is what the state says anyway). */
function targetOf(options: StatusOptions): 'local' | undefined {
  if (options.target !== undefined && options.target !== 'local' && options.target !== 'digitalocean') {
    throw new CliExit(EXIT.usage, `--target ${JSON.stringify(options.target)} is not a target (one of digitalocean, local)`);
  }
  return options.target === 'local' ? 'local' : undefined;
}

async function statusCommand(options: StatusOptions, io: CliIo): Promise<void> {
  const target = targetOf(options);
  const timeoutS = seconds('--timeout', options.timeout, 300);
  const watchS = options.watch === undefined || options.watch === false ? undefined : options.watch === true ? WATCH_DEFAULT_S : seconds('--watch', options.watch, 86_400);
  if (watchS !== undefined && options.json) throw new CliExit(EXIT.usage, '--watch redraws the screen in place; with --json, run status once per reading instead');
  const [{ loadConfig }, { projectStatus }, { problemsOf, snapshotJson }] = await Promise.all([
    import('../../config/index.js'),
    import('../../app/project-status.js'),
    import('../../app/project-status.js'),
  ]);
  const { configPath, dir } = projectPaths(options, io);
  const config = await loadConfig(configPath);
  const entries = (await import('../../app/entries.js')).parseEntries(options.entry, 443);
  const ask = {
    config,
    dir,
    ...(target ? { target } : {}),
    entries,
    ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
    ...(options.caCert ? { caCertFile: options.caCert } : {}),
    probe: options.probe,
    probeTimeoutMs: timeoutS * 1000,
  };
  // The monthly cost, asked beside the status (the API's prices with a token; unknown without).
  const costing = import('../../app/prices.js').then(({ statusCost }) => statusCost({ config, dir, credentials: { ...cloudEnv(io.env), env: io.env }, ...(target ? { target } : {}) }));
  let snapshot;
  if (options.json) snapshot = await projectStatus(ask);
  else if (io.isTTY) {
    const [{ liveStatus }, { onStopSignals }] = await Promise.all([import('../../../screens/status-live.js'), import('../../app/stop-control.js')]);
    const screen = liveStatus({ stdout: io.stdout, stdin: io.stdin, ...(watchS !== undefined ? { watchSeconds: watchS } : {}) });
    // Ctrl-C ends a watch: the last frame stays, the exit code is the last complete round's.
    let stop: () => void = () => undefined;
    const stopped = new Promise<'stopped'>((resolve) => (stop = () => resolve('stopped')));
    const release = onStopSignals(() => stop());
    try {
      for (;;) {
        const round = projectStatus({ ...ask, ...(snapshot ? { previous: snapshot } : {}), onUpdate: (s) => screen.show(s) });
        const outcome = await Promise.race([round, stopped]);
        if (outcome === 'stopped') break;
        snapshot = outcome;
        if (watchS === undefined) break;
        if ((await Promise.race([stopped, new Promise<'again'>((resolve) => setTimeout(() => resolve('again'), watchS * 1000))])) === 'stopped') break;
      }
    } finally {
      release();
      screen.finish();
    }
    if (!snapshot) throw new CliExit(EXIT.failure, 'stopped before the first reading completed');
  } else {
    if (watchS !== undefined) throw new CliExit(EXIT.usage, '--watch redraws the screen in place and needs a terminal; without one, run status once per reading (--json for scripts)');
    // No terminal: no redraws, the final screen once.
    const [{ renderToString }, { createElement }, { StatusScreen }] = await Promise.all([import('ink'), import('react'), import('../../../screens/status.js')]);
    snapshot = await projectStatus(ask);
    writeLine(io.stdout, renderToString(createElement(StatusScreen, { snapshot }), { columns: io.stdout.columns || 140 }));
  }
  const cost = await costing;
  if (options.json) writeLine(io.stdout, JSON.stringify({ ...snapshotJson(snapshot), ...(cost ? { cost } : {}) }, null, 2));
  else if (cost) writeLine(io.stdout, `\n${(await import('../../app/plan-text.js')).formatCost(cost)}`);
  const problems = problemsOf(snapshot);
  // The screen and the JSON list them; stderr says how many.
  if (problems.length > 0) throw new CliExit(EXIT.failure, `status: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}`);
}
