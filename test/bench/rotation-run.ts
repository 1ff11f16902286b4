/**
 * The rotation benchmark's inside, run by rotation.bench.ts under `flock /tmp/swz-host-docker.lock`
 * (this machine's Docker engine is shared): `apply --target local` of the three-site project (Pebble
 * on loopback), then `renew --force` while HTTPS requests (a new connection each) run against every
 * domain. Prints one JSON line: RotationResult. The harness's stop() leaves the swarm and removes the
 * stack and images, whatever happened.
 */
import { readFile } from 'node:fs/promises';
import { proxyGet, SITES, startLocalHarness, startRequestLoop, type LocalHarness } from '../e2e/local-harness.js';

export interface RotationResult {
  applySeconds: number;
  renewSeconds: number;
  renewCode: number | null;
  requests: number;
  failed: number;
  failures: string[];
  serialsChanged: boolean;
}

async function main(): Promise<void> {
  let h: LocalHarness | undefined;
  try {
    h = await startLocalHarness('swzbench');
    const root = await readFile(h.rootFile, 'utf8');
    const applyStarted = performance.now();
    const apply = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    const applySeconds = (performance.now() - applyStarted) / 1000;
    if (apply.code !== 0) throw new Error(`apply --target local failed (exit ${apply.code}):\n${apply.stderr}\n${apply.stdout}`);
    const before = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
    const load = startRequestLoop(SITES.map((site) => ({ domain: site.domain, answer: site.answer })), root);
    const renewStarted = performance.now();
    const renew = await h.swarmWiz(['renew', '--force', '--config', h.configPath, '--ca-cert', h.caCertFile]);
    const renewSeconds = (performance.now() - renewStarted) / 1000;
    const outcomes = await load.stop();
    const after = await Promise.all(SITES.map(async (site) => (await proxyGet(site.domain, root)).serial));
    const result: RotationResult = {
      applySeconds,
      renewSeconds,
      renewCode: renew.code,
      requests: outcomes.ok + outcomes.failed.length,
      failed: outcomes.failed.length,
      failures: outcomes.failed.slice(0, 5),
      serialsChanged: after.every((serial, i) => serial !== before[i]),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await h?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`rotation bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
