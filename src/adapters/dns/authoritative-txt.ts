import { recordsOrNone, resolverFor } from './resolver.js';

/** Reads TXT records straight from a zone's authoritative servers (no cache in between). */
export interface AuthoritativeTxt {
  /** `ip` or `ip:port` of every authoritative server for `name`. */
  serversFor(name: string): Promise<string[]>;
  /** The TXT values (chunks joined) that `server` answers for `name`; empty when there are none. */
  txt(server: string, name: string): Promise<string[]>;
}

/**
 * Finds the authoritative servers by walking up the name until an NS record set is found (with
 * the system resolver), then asks each of them directly. `servers` pins them instead (tests: the
 * DNS server Pebble asks).
 */
export function authoritativeTxt(options: { servers?: string[] } = {}): AuthoritativeTxt {
  const recursive = resolverFor();
  return {
    async serversFor(name) {
      if (options.servers && options.servers.length > 0) return options.servers;
      const labels = name.replace(/\.$/, '').split('.');
      for (let i = 0; i < labels.length - 1; i++) {
        const zone = labels.slice(i).join('.');
        const hosts = await recursive.resolveNs(zone).catch(() => [] as string[]);
        if (hosts.length === 0) continue;
        const addresses = await Promise.all(hosts.map((host) => recursive.resolve4(host).catch(() => [] as string[])));
        const flat = [...new Set(addresses.flat())];
        if (flat.length > 0) return flat;
      }
      throw new Error(`found no authoritative name servers for ${name}`);
    },
    async txt(server, name) {
      const records = await recordsOrNone(resolverFor([server]).resolveTxt(name));
      return records.map((chunks) => chunks.join(''));
    },
  };
}
