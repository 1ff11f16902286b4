import { addDomainPreview, checkNewHostsDns, hostsInCloudZones, saveWithAddedSite } from '../app/add-domain.js';
import { checkDomainName, loadConfig, parseConfig, siteInput, type Config, type ConfigInput } from '../config/index.js';
import { askAdditionalSite } from '../wizard/existing-project.js';
import type { CommonOptions, ProjectPaths } from './common-options.js';
import { CliExit, EXIT } from './exit.js';
import { cloudEnv, prompterOf, writeLine, type CliIo } from './io.js';
import { loadProjectState } from '../app/project-state.js';
import { chooseOnEdit, inspectProjectFiles, projectFiles, stopIfEdited } from '../app/project-files.js';
import { askOnEdit } from './project-display.js';
import { parseOnEdit } from './on-edit-option.js';
import { afterInk } from './terminal-handoff.js';

export interface AddDomainOptions extends CommonOptions {
  domain?: string;
  alias?: string[];
  service?: string;
  image?: string;
  port?: string;
  private?: string[];
  workers?: string;
  caCert?: string;
  dnsServer?: string[];
  dnsCheck: boolean;
  onEdit?: string;
}

type SiteInput = ConfigInput['sites'][number];

/** `name=image:port` (the image may hold a registry port and a tag: the port is after the last colon). */
export function parsePrivateService(value: string): { name: string; image: string; port: number } {
  const match = /^([^=]+)=(.+):(\d+)$/.exec(value);
  if (!match) throw new CliExit(EXIT.usage, `--private ${JSON.stringify(value.slice(0, 60))} is not name=image:port (like a1=ghcr.io/me/a1:1.0:6000)`);
  return { name: match[1]!, image: match[2]!, port: Number(match[3]) };
}

/** The site the flags describe; the config check afterwards names any bad value by its key. */
function siteFromFlags(options: AddDomainOptions): SiteInput {
  const missing = [options.image === undefined ? '--image' : '', options.port === undefined ? '--port' : ''].filter(Boolean);
  if (missing.length > 0) throw new CliExit(EXIT.usage, `add-domain --domain needs ${missing.join(' and ')} too (or run it without --domain in a terminal to be asked)`);
  const domain = options.domain!.trim().toLowerCase();
  // A domain that is no domain is the one error: the service name derived from it would add another.
  const check = checkDomainName(domain, true);
  if (!check.ok) throw new CliExit(EXIT.usage, `--domain: ${check.reason}`);
  const label = (check.ascii.startsWith('*.') ? check.ascii.slice(2) : check.ascii).split('.')[0] ?? 'web';
  const port = Number(options.port);
  return {
    domain,
    ...(options.alias && options.alias.length > 0 ? { aliases: options.alias } : {}),
    service: { name: options.service ?? `service-${label}`, image: options.image!, port: Number.isInteger(port) ? port : (options.port as unknown as number) },
    ...(options.private && options.private.length > 0 ? { private: options.private.map(parsePrivateService) } : {}),
  };
}

/** The grown config from flags: one more site, and per-domain's one worker per domain. */
function grownFromFlags(config: Config, options: AddDomainOptions, configPath: string): { grown: Config; site: SiteInput; workers?: number } {
  const site = siteFromFlags(options);
  const needed = config.topology === 'per-domain' ? Math.max(config.workers, config.sites.length + 1) : config.workers;
  const workers = options.workers !== undefined ? Number(options.workers) : needed;
  if (options.workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new CliExit(EXIT.usage, `--workers ${JSON.stringify(options.workers)} is not a worker count (a whole number)`);
  const grown = parseConfig({ ...config, workers, sites: [...config.sites, site] }, configPath);
  return { grown, site, ...(workers !== config.workers ? { workers } : {}) };
}

/**
 * add-domain: the grown config (from flags, or asked), the delta and the DNS check shown before anything
 * changes, a confirmation, then swarm-wiz.yaml (comments kept) and `apply --yes` for the rest — which
 * deploys only what changed: the new services, the proxy files reloaded in place, one certificate.
 */
export async function addDomainCommand(options: AddDomainOptions, io: CliIo, paths: ProjectPaths, apply: (args: string[]) => Promise<void>): Promise<void> {
  // A bad --on-edit is refused before anything is asked or changed (apply, which uses it, runs last).
  const onEdit = parseOnEdit(options.onEdit);
  const config = await loadConfig(paths.configPath);
  const state = await loadProjectState(paths.dir, config.project, (line) => writeLine(io.stderr, line));
  let grown: Config;
  let site: SiteInput;
  let workers: number | undefined;
  if (options.domain !== undefined) ({ grown, site, workers } = grownFromFlags(config, options, paths.configPath));
  else {
    if (!io.isTTY) throw new CliExit(EXIT.usage, 'add-domain asks its questions in a terminal, and there is none here. Without one pass --domain, --image and --port (see swarm-wiz add-domain --help).');
    const prompter = await prompterOf(io);
    grown = await askAdditionalSite(prompter, config);
    site = siteInput(grown.sites.at(-1)!) as SiteInput;
    if (grown.workers !== config.workers) workers = grown.workers;
  }

  const { delta, lines } = addDomainPreview(config, grown);
  writeLine(io.stdout, lines.join('\n'));
  // With a token, the zones DigitalOcean serves: there swarm-wiz creates the new A records itself.
  const token = cloudEnv(io.env).token;
  const managed = await hostsInCloudZones(grown, state, delta, { ...cloudEnv(io.env), env: io.env });
  for (const entry of delta.entries) {
    const zone = managed.get(entry.host);
    if (zone) writeLine(io.stdout, `  + DNS record A ${entry.host} → ${entry.target} (in your DigitalOcean zone ${zone})`);
  }
  const dns = await checkNewHostsDns({ config: grown, state, delta, managedHosts: new Set(managed.keys()), ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}) });
  writeLine(io.stdout);
  writeLine(io.stdout, 'DNS, before any certificate is ordered:');
  for (const check of dns) writeLine(io.stdout, `  ${check.verdict === 'ok' ? '✓' : check.verdict === 'unknown' ? '·' : '✗'} ${check.line}`);
  const notYet = dns.filter((check) => check.verdict === 'wrong' || check.verdict === 'none');
  if (notYet.length > 0) {
    if (options.dnsCheck) {
      throw new CliExit(
        EXIT.failure,
        `${notYet.map((check) => check.host).join(', ')} ${notYet.length === 1 ? 'does' : 'do'} not point at the entry address yet: nothing was changed. Fix the record${notYet.length === 1 ? '' : 's'} (DNS may take a while to update) and run add-domain again, or pass --no-dns-check to apply anyway.`,
      );
    }
    writeLine(io.stderr, 'Warning: --no-dns-check: applying although DNS does not point here yet; the certificate order fails until it does, and the other domains keep theirs.');
  }

  // A generated file edited by hand stops the change before swarm-wiz.yaml is saved (or is kept as .orig, as chosen).
  const inspection = await inspectProjectFiles(paths.dir, projectFiles(grown, state));
  await stopIfEdited(paths.dir, inspection, await chooseOnEdit(inspection, { ...(onEdit ? { flag: onEdit } : {}), ...(io.isTTY && !options.yes ? { ask: askOnEdit(io) } : {}) }));

  if (!options.yes) {
    if (!io.isTTY) throw new CliExit(EXIT.usage, 'add-domain needs a confirmation: pass --yes to apply without questions (no terminal to ask on).');
    const prompter = await prompterOf(io);
    afterInk(io);
    if (!(await prompter.confirm({ message: `Add ${delta.site.domain}?`, default: true }))) throw new CliExit(EXIT.failure, 'Cancelled; nothing was changed.');
  }

  // swarm-wiz.yaml first (its comments and layout kept), checked before it replaces the old one.
  await saveWithAddedSite(paths.configPath, site as Record<string, unknown>, workers);
  writeLine(io.stdout, `Saved ${paths.configPath} with ${delta.site.domain}.`);

  const args = ['--config', paths.configPath, '--dir', paths.dir, '--yes'];
  if (state.target === 'local') args.push('--target', 'local');
  if (options.caCert) args.push('--ca-cert', options.caCert);
  if (options.onEdit) args.push('--on-edit', options.onEdit);
  if (options.dnsServer && grown.certificates.challenge === 'dns-01') args.push('--dns-server', ...options.dnsServer);
  if (state.target !== 'local' && delta.newDroplets.length > 0 && !token) {
    writeLine(io.stderr, `Note: ${delta.newDroplets.join(', ')} must be created in DigitalOcean: set DIGITALOCEAN_TOKEN and run swarm-wiz apply --yes.`);
  }
  await apply(args);
}
