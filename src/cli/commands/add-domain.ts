import type { Command } from 'commander';
import { projectPaths, withCommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import type { CliIo } from '../io.js';
import { ON_EDIT_HELP } from '../on-edit-option.js';
import { releaseStdin } from '../terminal-handoff.js';
import type { AddDomainOptions } from '../add-domain.js';

// The implementation's modules are imported inside the command when it runs, so `--help` and the
// other commands do not load them.

/** `swarm-wiz add-domain`: one more site, shown as a delta, checked in DNS, then applied like apply --yes. */
export function registerAddDomainCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('add-domain'))
    .description('add one domain with its service (and private services): checks its DNS, shows only what changes, then applies it without touching the rest')
    .option('--domain <domain>', 'the new domain (without it: asked in the terminal)')
    .option('--alias <host...>', 'more names on its certificate')
    .option('--service <name>', "its public service's name (default: service-<first label of the domain>)")
    .option('--image <ref>', "its public service's image")
    .option('--port <port>', 'the port its service listens on')
    .option('--private <name=image:port...>', 'private services reachable only from it, like a1=ghcr.io/me/a1:1.0:6000')
    .option('--workers <n>', 'topology per-domain: the new worker count (default: one per domain)')
    .option('--ca-cert <file>', 'PEM file to trust for the CA (a private or test ACME server)')
    .option('--dns-server <address...>', 'DNS servers (IP[:PORT]) to check the new domain at, instead of the system resolver')
    .option('--on-edit <choice>', ON_EDIT_HELP)
    .option('--no-dns-check', "apply even when the domain's DNS does not point at the entry address yet (its certificate order then fails until it does)")
    .action(async (options: AddDomainOptions) => {
      if (options.json) throw new CliExit(EXIT.usage, 'add-domain has no --json: it shows the change and applies it. For a machine-readable plan, add the site to swarm-wiz.yaml and run swarm-wiz plan --json.');
      try {
        const [{ addDomain }, { addDomainIo, addDomainRequest }, { applyAndReport }] = await Promise.all([import('../../app/add-domain.js'), import('../add-domain.js'), import('./apply.js')]);
        const paths = projectPaths(options, io);
        // The grown project is applied as `apply --yes` applies it, and shown as apply shows it.
        await addDomain(addDomainRequest(options, io, paths), addDomainIo(io, paths, options.yes, (request) => applyAndReport(request, { json: false, yes: true, example: false }, io)));
      } finally {
        releaseStdin(io);
      }
    });
}
