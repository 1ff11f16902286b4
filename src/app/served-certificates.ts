import type { CertificateStore } from '../adapters/certificate-store.js';
import { probeTls } from '../adapters/tls-probe.js';
import type { SiteNames } from '../certs/sites.js';
import type { Target } from '../targets/target.js';

/** nginx reloads asynchronously after SIGHUP: how long its new workers may take to serve the new files. */
const RELOAD_MS = 15_000;

/**
 * After a reload: waits (bounded) until the node's public address serves the stored certificate for
 * every site; resolves with what it still serves wrong, or undefined (also for a node without a public
 * address: nothing to look at).
 */
export async function servedMismatch(target: Target, nodeName: string, certs: CertificateStore, sites: readonly SiteNames[]): Promise<string | undefined> {
  const address = target.nodes().find((node) => node.name === nodeName)?.publicIp;
  if (!address) return undefined;
  const deadline = Date.now() + RELOAD_MS;
  for (;;) {
    const wrong = await wronglyServed(address, certs, sites);
    if (wrong.length === 0) return undefined;
    if (Date.now() > deadline) return `still serves other certificates than the stored ones after 15 s: ${wrong.join(', ')}`;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The sites whose served certificate is not the stored one, each with both serials. */
async function wronglyServed(address: string, certs: CertificateStore, sites: readonly SiteNames[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const site of sites) {
    const stored = await certs.readMeta(site.domain);
    const live = await probeTls({ address, servername: site.domain, timeoutMs: 3000 });
    if (stored && live.serial !== stored.serial) wrong.push(`${site.domain} (serves ${live.serial ?? live.error ?? 'nothing'}, stored ${stored.serial})`);
  }
  return wrong;
}
