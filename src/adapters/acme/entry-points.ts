import { recordsOrNone, resolverFor } from '../dns/resolver.js';
import type { EntryPoint, EntryPoints } from './preflight.js';

/**
 * Entry points from the name's A and AAAA records, as the CA will find them (`servers` pins the
 * DNS server). AAAA records count: Let's Encrypt tries IPv6 first, so a stale AAAA record fails
 * validation even when IPv4 works.
 */
export function dnsEntryPoints(options: { port?: number; servers?: string[] } = {}): EntryPoints {
  const resolver = resolverFor(options.servers);
  const port = options.port ?? 80;
  return async (identifier) => {
    const [v4, v6] = await Promise.all([recordsOrNone(resolver.resolve4(identifier)), recordsOrNone(resolver.resolve6(identifier))]);
    return [...v4, ...v6].map((address): EntryPoint => ({ address, port }));
  };
}

/** Fixed entry points (the proxy replicas recorded in state, or a test's loopback nginx). */
export function staticEntryPoints(entries: EntryPoint[]): EntryPoints {
  return async () => entries;
}
