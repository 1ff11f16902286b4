import { resolve } from 'node:path';
import type { AddDomainIo, AddDomainRequest, SiteInput } from '../app/add-domain.js';
import { Cancelled } from '../app/errors.js';
import { chooseOnEdit } from '../app/project-files.js';
import { checkDomainName } from '../config/index.js';
import { askAdditionalSite } from '../wizard/existing-project.js';
import type { CommonOptions, ProjectPaths } from './common-options.js';
import { CliExit, EXIT } from './exit.js';
import { cloudEnv, prompterOf, writeLine, type CliIo } from './io.js';
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

/** --workers as a count; a bad one is a usage error naming it. */
function workersFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const workers = Number(value);
  if (!(Number.isInteger(workers) && workers >= 0)) throw new CliExit(EXIT.usage, `--workers ${JSON.stringify(value)} is not a worker count (a whole number)`);
  return workers;
}

/** add-domain's flags as its request: the site from --domain and the rest (without --domain, the questions ask for it). */
export function addDomainRequest(options: AddDomainOptions, io: CliIo, paths: ProjectPaths): AddDomainRequest {
  // A bad --on-edit is refused before anything is asked or changed.
  const onEdit = parseOnEdit(options.onEdit);
  const workers = workersFlag(options.workers);
  return {
    configPath: paths.configPath,
    dir: paths.dir,
    ...(options.domain !== undefined ? { site: siteFromFlags(options) } : {}),
    ...(workers !== undefined ? { workers } : {}),
    dnsCheck: options.dnsCheck,
    ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
    ...(options.caCert ? { caCertFile: resolve(io.cwd, options.caCert) } : {}),
    ...(onEdit ? { onEdit } : {}),
    credentials: { ...cloudEnv(io.env), env: io.env },
  };
}

/** What add-domain shows and asks on this terminal (or, with --yes, only shows). */
export function addDomainIo(io: CliIo, paths: ProjectPaths, yes: boolean, apply: AddDomainIo['apply']): AddDomainIo {
  return {
    askSite: async (config) => {
      if (!io.isTTY) throw new CliExit(EXIT.usage, 'add-domain asks its questions in a terminal, and there is none here. Without one pass --domain, --image and --port (see swarm-wiz add-domain --help).');
      return askAdditionalSite(await prompterOf(io), config);
    },
    show: ({ delta, lines, managed, dns }) => {
      writeLine(io.stdout, lines.join('\n'));
      for (const entry of delta.entries) {
        const zone = managed.get(entry.host);
        if (zone) writeLine(io.stdout, `  + DNS record A ${entry.host} → ${entry.target} (in your DigitalOcean zone ${zone})`);
      }
      writeLine(io.stdout);
      writeLine(io.stdout, 'DNS, before any certificate is ordered:');
      for (const check of dns) writeLine(io.stdout, `  ${check.verdict === 'ok' ? '✓' : check.verdict === 'unknown' ? '·' : '✗'} ${check.line}`);
    },
    decideEdits: (inspection, flag) => chooseOnEdit(inspection, { ...(flag ? { flag } : {}), ...(io.isTTY && !yes ? { ask: askOnEdit(io) } : {}) }),
    confirm: async (domain) => {
      if (yes) return;
      if (!io.isTTY) throw new CliExit(EXIT.usage, 'add-domain needs a confirmation: pass --yes to apply without questions (no terminal to ask on).');
      const prompter = await prompterOf(io);
      afterInk(io);
      if (!(await prompter.confirm({ message: `Add ${domain}?`, default: true }))) throw new Cancelled('Cancelled; nothing was changed.');
    },
    saved: (domain) => writeLine(io.stdout, `Saved ${paths.configPath} with ${domain}.`),
    warn: (line) => writeLine(io.stderr, line),
    apply,
  };
}
