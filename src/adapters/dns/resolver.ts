import { Resolver } from 'node:dns/promises';

/** A resolver that gives up quickly; `servers` pins the DNS servers it asks (default: the system's). */
export function resolverFor(servers: readonly string[] = []): Resolver {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (servers.length > 0) resolver.setServers(servers);
  return resolver;
}

const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

/** What a lookup answers, or none when the name has no such records; other failures are thrown. */
export async function recordsOrNone<T>(lookup: Promise<T[]>): Promise<T[]> {
  try {
    return await lookup;
  } catch (error) {
    if (NO_RECORDS.has((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}
