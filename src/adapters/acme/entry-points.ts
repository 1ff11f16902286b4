import { Resolver } from 'node:dns/promises';
import type { EntryPoint, EntryPoints } from './preflight.js';

const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

async function addresses(lookup: Promise<string[]>): Promise<string[]> {
  try {
    return await lookup;
  } catch (error) {
    if (NO_RECORDS.has((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

/**
 * Entry points from the name's A and AAAA records, as the CA will find them (`servers` pins the
 * DNS server). AAAA records count: Let's Encrypt tries IPv6 first, so a stale AAAA record fails
 * validation even when IPv4 works.
 */
export function dnsEntryPoints(options: { port?: number; servers?: string[] } = {}): EntryPoints {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers(options.servers);
  const port = options.port ?? 80;
  return async (identifier) => {
    const [v4, v6] = await Promise.all([addresses(resolver.resolve4(identifier)), addresses(resolver.resolve6(identifier))]);
    return [...v4, ...v6].map((address): EntryPoint => ({ address, port }));
  };
}

/** Fixed entry points (the proxy replicas recorded in state, or a test's loopback nginx). */
export function staticEntryPoints(entries: EntryPoint[]): EntryPoints {
  return async () => entries;
}
