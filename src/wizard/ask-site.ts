import type { ConfigInput } from '../config/index.js';
import type { Prompter } from './prompter.js';
import {
  asciiDomain,
  envEntry,
  splitAliases,
  validateEnvEntry,
  validateHealth,
  validateReplicas,
  validateSecretNames,
  validateVolumes,
  validateAliases,
  validateImage,
  validateNewDomain,
  validateNewServiceName,
  validatePort,
} from './validators.js';

export type SiteInput = ConfigInput['sites'][number];
export type ServiceInput = SiteInput['service'];

/** Names and hosts already claimed by the project; the questions refuse to reuse them. */
export interface Taken {
  domains: Set<string>;
  services: Set<string>;
}

/** What is already taken in a list of sites. */
export function takenBy(sites: readonly SiteInput[]): Taken {
  const taken: Taken = { domains: new Set(), services: new Set() };
  for (const site of sites) {
    taken.domains.add(asciiDomain(site.domain));
    for (const alias of site.aliases ?? []) taken.domains.add(asciiDomain(alias));
    taken.services.add(site.service.name);
    for (const service of site.private ?? []) taken.services.add(service.name);
  }
  return taken;
}

/** The first free name among `base`, `base-2`, `base-3`… (a default, never forced). */
function freeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

async function askService(prompter: Prompter, taken: Taken, role: string, defaults: { name: string; port: number }): Promise<ServiceInput> {
  const name = (
    await prompter.input({ message: `${role}: service name`, default: freeName(defaults.name, taken.services), validate: validateNewServiceName(taken.services) })
  ).trim();
  taken.services.add(name);
  const image = (await prompter.input({ message: `${name}: image`, validate: validateImage })).trim();
  const port = Number((await prompter.input({ message: `${name}: port it listens on`, default: String(defaults.port), validate: validatePort })).trim());
  return { name, image, port, ...(await askMore(prompter, name)) };
}

/**
 * The service keys people need for real apps (a database's password and data, a health path for safe
 * rollouts), behind one question whose default needs no answer: no means the defaults (one replica,
 * no health check, no environment, no volumes).
 */
async function askMore(prompter: Prompter, name: string): Promise<Omit<ServiceInput, 'name' | 'image' | 'port'>> {
  if (!(await prompter.confirm({ message: `${name}: more settings (health check, environment, secrets, volumes, replicas)?`, default: false }))) return {};
  const health = (await prompter.input({ message: `${name}: health check path, answered 2xx when ready (optional, like /up)`, default: '', validate: validateHealth })).trim();
  const env: Record<string, string> = {};
  for (;;) {
    const answer = await prompter.input({ message: `${name}: environment variable NAME=value (empty when done; passwords belong in swarm-wiz secret set)`, default: '', validate: validateEnvEntry(new Set(Object.keys(env))) });
    const entry = envEntry(answer);
    if (answer.trim() === '' || !entry) break;
    env[entry[0]] = entry[1];
  }
  const secrets = splitAliases(
    await prompter.input({ message: `${name}: secrets it reads at /run/secrets/NAME, comma-separated (optional; values: swarm-wiz secret set NAME)`, default: '', validate: validateSecretNames }),
  );
  const volumes = splitAliases(await prompter.input({ message: `${name}: named volumes NAME:/path, comma-separated (optional; pins it to one node, one task)`, default: '', validate: validateVolumes }));
  // A service with volumes runs one task: no replicas question then.
  const replicas = volumes.length > 0 ? 1 : Number((await prompter.input({ message: `${name}: replicas`, default: '1', validate: validateReplicas })).trim());
  return {
    ...(health !== '' ? { health } : {}),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(volumes.length > 0 ? { volumes } : {}),
    ...(replicas !== 1 ? { replicas } : {}),
  };
}

/**
 * One site: domain, optional aliases, its public service, then private services until the
 * person says no more. `taken` is updated with everything claimed.
 */
export async function askSite(prompter: Prompter, taken: Taken): Promise<SiteInput> {
  const domain = asciiDomain(await prompter.input({ message: 'Domain (like a.com)', validate: validateNewDomain(taken.domains) }));
  taken.domains.add(domain);
  const aliases = splitAliases(
    await prompter.input({ message: `Aliases of ${domain} on the same certificate (optional, comma-separated)`, default: '', validate: validateAliases(taken.domains) }),
  ).map(asciiDomain);
  for (const alias of aliases) taken.domains.add(alias);

  const label = (domain.startsWith('*.') ? domain.slice(2) : domain).split('.')[0] ?? 'web';
  const service = await askService(prompter, taken, `Public service of ${domain}`, { name: `service-${label}`, port: 5000 });

  const privateServices: ServiceInput[] = [];
  while (
    await prompter.confirm({
      message: privateServices.length === 0 ? `Add a private service for ${service.name} (reachable only from it)?` : `Add another private service for ${service.name}?`,
      default: false,
    })
  ) {
    const n = privateServices.length + 1;
    privateServices.push(await askService(prompter, taken, `Private service ${n} of ${domain}`, { name: `${label}${n}`, port: 6000 + n - 1 }));
  }
  return {
    domain,
    ...(aliases.length > 0 ? { aliases } : {}),
    service,
    ...(privateServices.length > 0 ? { private: privateServices } : {}),
  };
}
