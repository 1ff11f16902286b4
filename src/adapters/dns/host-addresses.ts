import { networkInterfaces } from 'node:os';
import { recordsOrNone, resolverFor } from './resolver.js';

/** A host's A and AAAA records (none when it has none), asked of `servers` or the system's resolvers. */
export async function hostAddresses(host: string, servers?: readonly string[]): Promise<string[]> {
  const resolver = resolverFor(servers);
  const [v4, v6] = await Promise.all([recordsOrNone(resolver.resolve4(host)), recordsOrNone(resolver.resolve6(host))]);
  return [...v4, ...v6];
}

/** Every address of this machine's network interfaces (loopback included). */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .map((entry) => entry.address);
}
