import { Resolver } from 'node:dns/promises';
import type { EntryPoint, EntryPoints } from './preflight.js';

/** Entry points from the name's A records, as the CA will find them (`servers` pins the DNS server). */
export function dnsEntryPoints(options: { port?: number; servers?: string[] } = {}): EntryPoints {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers(options.servers);
  const port = options.port ?? 80;
  return async (identifier) => (await resolver.resolve4(identifier)).map((address): EntryPoint => ({ address, port }));
}

/** Fixed entry points (the proxy replicas recorded in state, or a test's loopback nginx). */
export function staticEntryPoints(entries: EntryPoint[]): EntryPoints {
  return async () => entries;
}
