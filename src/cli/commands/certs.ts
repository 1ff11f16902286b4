import type { Command } from 'commander';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { writeLine, type CliIo } from '../io.js';
import { remoteLine } from '../../text/remote-text.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

export interface CertsOptions extends CommonOptions {
  entry?: string[];
  dnsServer?: string[];
  caCert?: string;
  probe: boolean;
  check: boolean;
}

/**
 * `swarm-wiz certs`: the certificate status screen (or `--json`). Exit 1 when a site has no usable certificate.
 * `--check` (cron, monitoring): one line per problem on stdout; when all is well nothing (under cron)
 * or the single line "all certificates fine" (on a terminal, or with --verbose); `--json`: `{ exitCode, problems }`,
 * each problem with a key that stays the same while it lasts; exit 0 all well, 1 a warning, 2 critical
 * (src/certs/status-check.ts says which is which).
 */
export function registerCertsCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('certs'))
    .description('certificate status per site: stored certificate, days left, next renewal, last error, and what each entry IP really serves')
    .option('--entry <address...>', "IP[:PORT] to check what is served (default: the IP state.json records for it, else its A records; port 443)")
    .option('--dns-server <address...>', 'DNS servers for the A look-ups instead of the system resolver')
    .option('--ca-cert <file>', 'PEM file of the root to verify served certificates against (a test CA)')
    .option('--no-probe', 'only read the store; do not connect to the live endpoints')
    .option('--check', 'for cron and monitoring: one line per problem (all well: silent, "all certificates fine" on a terminal); exit 0 fine, 1 warning (renewal overdue or failed, past two thirds of its life, an entry serving another certificate), 2 critical (expired, missing, an entry serving a certificate that does not cover its domain)', false)
    .action(async (options: CertsOptions) => {
      await certsCommand(options, io);
    });
}

/** The certificate view, and `certs --check` (the certificate part of what `status --check` checks). */
export async function certsCommand(options: CertsOptions, io: CliIo): Promise<void> {
  const [{ loadConfig }, { loadProjectState }, { certificateStatusOf }, { checkCertificates, ALL_FINE }, { parseEntries }] = await Promise.all([
    import('../../config/index.js'),
    import('../../app/project-state.js'),
    import('../../app/status.js'),
    import('../../app/status.js'),
    import('../../app/entries.js'),
  ]);
  const { configPath, dir } = projectPaths(options, io);
  const config = await loadConfig(configPath);
  const entries = parseEntries(options.entry, 443);
  const now = new Date();
  if (options.check) {
    // The alarm is never quiet on input it cannot trust: a state.json that cannot be read is critical even with --no-probe.
    try {
      await loadProjectState(dir, config.project, (line) => writeLine(io.stderr, line));
    } catch (error) {
      writeLine(io.stdout, remoteLine(error instanceof Error ? error.message : String(error)));
      throw new CliExit(EXIT.usage); // 2: critical, in --check's exit codes
    }
  }
  const rows = await certificateStatusOf({
    config,
    dir,
    state: () => loadProjectState(dir, config.project, (line) => writeLine(io.stderr, line)),
    probe: options.probe,
    entries,
    ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
    ...(options.caCert ? { caCertFile: options.caCert } : {}),
    now,
  });
  if (options.check) {
    const { problems, exitCode } = checkCertificates(rows, now);
    if (options.json) writeLine(io.stdout, JSON.stringify({ exitCode, problems }, null, 2));
    else if (problems.length > 0) writeLine(io.stdout, problems.map((problem) => problem.line).join('\n'));
    // Under cron every line becomes mail: all well is silent there, one line on a terminal.
    else if (io.isTTY || options.verbose) writeLine(io.stdout, ALL_FINE);
    if (exitCode !== 0) throw new CliExit(exitCode);
    return;
  }
  // --json: the rows the screen shows, as they are (dates ISO).
  if (options.json) writeLine(io.stdout, JSON.stringify(rows, null, 2));
  else {
    const [{ renderToString }, { createElement }, { CertStatusScreen }] = await Promise.all([import('ink'), import('react'), import('../../../screens/cert-status.js')]);
    writeLine(io.stdout, renderToString(createElement(CertStatusScreen, { rows, now }), { columns: io.stdout.columns || 120 }));
  }
  const unusable = rows.filter((row) => row.health === 'missing' || row.health === 'expired' || row.health === 'error');
  if (unusable.length > 0) throw new CliExit(EXIT.failure, `no valid certificate for ${unusable.map((row) => `${row.domain} (${row.health})`).join(', ')}`);
}
