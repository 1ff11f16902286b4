/**
 * Publishes the fake account's DNS records in challtestsrv (the DNS server Pebble and swarm-wiz's
 * preflight ask), as DigitalOcean's name servers would. Used as the fake's `afterChange`.
 *
 * Two properties matter for dns-01, where several orders run at once:
 * - Runs are serialized: the fake calls afterChange once per request, and requests overlap. Each run
 *   reads the account as it is when the run starts, so the run for a request sees its change.
 * - Only hosts whose records changed are touched. Clearing and re-adding every host on every change
 *   leaves a window in which another order's TXT record is missing while the CA looks it up.
 */
import type { ChallTestSrv } from '../peers/pebble.js';
import type { FakeState } from './state.js';

export interface DnsPublisherOptions {
  /** Which record types to publish (default both). */
  types?: ReadonlyArray<'A' | 'TXT'>;
}

type Published = Map<string, string>;

export function dnsPublisher(challtestsrv: ChallTestSrv, options: DnsPublisherOptions = {}): (state: FakeState) => Promise<void> {
  const types = new Set(options.types ?? ['A', 'TXT']);
  const published: Record<'A' | 'TXT', Published> = { A: new Map(), TXT: new Map() };
  const clear = { A: (host: string) => challtestsrv.clearA(host), TXT: (host: string) => challtestsrv.clearTxt(host) };
  const add = {
    A: (host: string, values: string[]) => challtestsrv.addA(host, values),
    TXT: async (host: string, values: string[]) => {
      for (const value of values) await challtestsrv.setTxt(host, value);
    },
  };

  const sync = async (state: FakeState) => {
    const wanted: Record<'A' | 'TXT', Map<string, string[]>> = { A: new Map(), TXT: new Map() };
    for (const [zone, records] of state.domainRecords) {
      for (const record of records) {
        if (record.type !== 'A' && record.type !== 'TXT') continue;
        if (!types.has(record.type)) continue;
        const host = record.name === '@' ? zone : `${record.name}.${zone}`;
        const hosts = wanted[record.type];
        hosts.set(host, [...(hosts.get(host) ?? []), record.data]);
      }
    }
    for (const type of ['A', 'TXT'] as const) {
      for (const host of published[type].keys()) {
        if (wanted[type].has(host)) continue;
        await clear[type](host);
        published[type].delete(host);
      }
      for (const [host, values] of wanted[type]) {
        const key = values.join('\n');
        if (published[type].get(host) === key) continue;
        await clear[type](host);
        await add[type](host, values);
        published[type].set(host, key);
      }
    }
  };

  let queue: Promise<void> = Promise.resolve();
  return (state) => {
    const run = queue.then(() => sync(state));
    queue = run.catch(() => undefined);
    return run;
  };
}
