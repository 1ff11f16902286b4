import { join } from 'node:path';
import { AcmeIssuer, type IssueEvent } from '../adapters/acme/acme-issuer.js';
import { directoryUrlFor, loadOrCreateAccountKey } from '../adapters/acme/account-key.js';
import { createAcmeAgent } from '../adapters/acme/directory.js';
import type { ChallengePreflight, ChallengeResponder } from '../adapters/acme/challenge-responder.js';
import { DigitalOceanDnsResponder } from '../adapters/acme/digitalocean-dns-responder.js';
import { dnsEntryPoints } from '../adapters/acme/entry-points.js';
import { IssuanceError } from '../adapters/acme/errors.js';
import { dnsPreflight, httpPreflight, type EntryPoint, type EntryPoints } from '../adapters/acme/preflight.js';
import { WebrootResponder } from '../adapters/acme/webroot-responder.js';
import type { CloudApi } from '../adapters/digitalocean/cloud-api.js';
import { authoritativeTxt } from '../adapters/dns/authoritative-txt.js';
import type { Config } from '../config/index.js';
import { showValue } from '../config/show-value.js';

/** How a project's certificates are obtained on this machine (the CLI's flags). */
export interface ProjectIssuerOptions {
  config: Config;
  dir: string;
  /** http-01: the support server's webroot (default `<dir>/acme-webroot`, where the support server serves it). */
  webroot?: string;
  /** http-01: where tokens go instead of the local `webroot` (the support droplet's webroot, through its shell). */
  httpResponder?: ChallengeResponder;
  /** Where each domain's HTTP enters (default: its A records, port 80). */
  entryPoints?: EntryPoints;
  /** DNS servers for A and TXT look-ups instead of the system's / the zone's (tests, split DNS). */
  dnsServers?: string[];
  /** PEM file to trust for the CA's own TLS (a private or test CA like Pebble). */
  caCertFile?: string;
  /** dns-01: the DigitalOcean API (built by the caller from DIGITALOCEAN_TOKEN). */
  cloudApi?: CloudApi;
  onEvent?: (event: IssueEvent) => void;
}

/** Parses `ip` or `ip:port` (default port 80). */
export function parseEntry(text: string, defaultPort = 80): EntryPoint {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) throw new IssuanceError(`--entry ${showValue(text)} is not an IPv4 address with an optional :port`);
  return { address: match[1]!, port: match[2] ? Number(match[2]) : defaultPort };
}

/** The ACME engine for a project: account key, the responder and preflight its challenge type needs. */
export async function projectIssuer(options: ProjectIssuerOptions): Promise<AcmeIssuer> {
  const { config, dir } = options;
  const directoryUrl = directoryUrlFor(config.certificates.ca);
  const agent = await createAcmeAgent(options.caCertFile);
  let responder: ChallengeResponder;
  let preflight: ChallengePreflight;
  if (config.certificates.challenge === 'http-01') {
    responder = options.httpResponder ?? new WebrootResponder(options.webroot ?? join(dir, 'acme-webroot'));
    preflight = httpPreflight(options.entryPoints ?? dnsEntryPoints({ port: 80, servers: options.dnsServers }));
  } else {
    if (!options.cloudApi) throw new IssuanceError('dns-01 needs the DigitalOcean API: set DIGITALOCEAN_TOKEN');
    responder = new DigitalOceanDnsResponder(options.cloudApi);
    preflight = dnsPreflight(authoritativeTxt({ servers: options.dnsServers }));
  }
  const account = await loadOrCreateAccountKey(dir, directoryUrl);
  return new AcmeIssuer({
    directoryUrl,
    email: config.certificates.email,
    accountKeyPem: account.keyPem,
    agent,
    responder,
    preflight,
    onEvent: options.onEvent,
    ...(config.certificates.profile ? { profile: config.certificates.profile } : {}),
  });
}
