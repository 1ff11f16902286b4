import { createServer, type Socket } from 'node:net';
import { expect } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { Config } from '../../src/config/index.js';
import { testIo } from '../cli/test-io.js';
import { freePort } from '../support/net.js';

/** What `status --json` prints (the fields these checks read). */
export interface StatusJson {
  ok: boolean;
  problems: string[];
  cluster: { state: string; via?: string; error?: string };
  nodes: { hostname: string; role: string; availability: string; state: string; engineVersion: string; leader: boolean; carriesProxy: boolean; proxyTasks: number }[];
  services: { name: string; running: number; desired: number; state: string; lastError?: string }[];
  served: { entry: string; domain: string; state: string; serial?: string; storedSerial?: string; matches?: boolean; notAfter?: string; trusted?: boolean; httpStatus?: number; error?: string }[];
  certificates: { domain: string; health: string; daysLeft?: number }[];
}

/**
 * `swarm-wiz status --json --target local` (in this process) on a project running on this machine's
 * swarm, asked for 127.0.0.1 (the proxy), a port where nothing listens and a black hole (accepts TCP,
 * never answers TLS), and checked: every domain of `config` served on 127.0.0.1 with the stored serial,
 * trusted by `rootFile`, GET / 200; both dead entries down; the whole within `--timeout` + 1 s; one
 * node, a ready manager carrying the proxy; every service of the stack running n/n; every certificate
 * valid. Exit 1 (the dead entries), and nothing else is a problem. Returns the JSON and the seconds
 * it took. Reusable on any running `--target local` project (add-domain's test, after adding one).
 */
export async function expectStatusOnLocalCluster(project: { config: Config; dir: string; configPath: string; rootFile: string }, timeoutS = 3): Promise<{ json: StatusJson; elapsedS: number }> {
  const { config, dir } = project;
  const deadPort = await freePort();
  const held: Socket[] = [];
  const blackHole = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const address = blackHole.address();
  const holePort = typeof address === 'object' && address ? address.port : 0;
  const run = testIo({ cwd: dir });
  // What the command loads on first use, loaded before the clock starts: the bound is on the command's work, not on vitest compiling modules.
  await Promise.all([import('../../src/app/project-status.js'), import('../../src/config/index.js'), import('../../src/certs/project-issuer.js'), import('../../src/status/snapshot.js')]);
  const started = performance.now();
  let code: number;
  try {
    code = await runCli(
      ['status', '--json', '--target', 'local', '--config', project.configPath, '--dir', dir, '--ca-cert', project.rootFile, '--timeout', String(timeoutS),
        '--entry', '127.0.0.1', '--entry', `127.0.0.1:${deadPort}`, '--entry', `127.0.0.1:${holePort}`],
      run.io,
    );
  } finally {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
  }
  const elapsedS = (performance.now() - started) / 1000;
  console.log(`status --json --target local --timeout ${timeoutS} (a closed port and a black hole among the entries): ${elapsedS.toFixed(2)} s`);
  expect(run.stdout(), run.stderr()).toMatch(/^\{/);
  const json = JSON.parse(run.stdout()) as StatusJson;
  const domains = config.sites.map((site) => site.domain);

  expect(elapsedS).toBeLessThan(timeoutS + 1);
  expect(code).toBe(1);
  expect(json.cluster).toEqual({ state: 'ok', via: 'local' });
  expect(json.nodes).toHaveLength(1);
  expect(json.nodes[0]).toMatchObject({ role: 'manager', availability: 'active', state: 'ready', leader: true, carriesProxy: true, proxyTasks: 1 });
  expect(json.nodes[0]!.engineVersion).not.toBe('');
  const wanted = ['proxy', ...config.sites.flatMap((site) => [site.service.name, ...site.private.map((svc) => svc.name)])];
  expect(json.services.map((svc) => svc.name)).toEqual(wanted);
  for (const svc of json.services) {
    expect(svc.state, `${svc.name}: ${svc.running}/${svc.desired} ${svc.lastError ?? ''}`).toBe('ok');
    expect(svc.running).toBe(svc.desired);
  }

  const store = new CertificateStore(dir);
  for (const domain of domains) {
    const stored = (await store.readMeta(domain))!.serial;
    const at = (entry: string) => json.served.find((row) => row.entry === entry && row.domain === domain);
    expect(at('127.0.0.1:443'), domain).toMatchObject({ state: 'ok', serial: stored, storedSerial: stored, matches: true, trusted: true, httpStatus: 200 });
    expect(at(`127.0.0.1:${deadPort}`), domain).toMatchObject({ state: 'down', error: 'connection refused' });
    expect(at(`127.0.0.1:${holePort}`), domain).toMatchObject({ state: 'down', error: `timed out: no TLS answer within ${timeoutS} s` });
  }
  expect(json.served).toHaveLength(domains.length * 3);
  expect(json.certificates.map((cert) => [cert.domain, cert.health])).toEqual(domains.map((domain) => [domain, 'ok']));
  // The dead entries are the only problems.
  expect(json.problems).toHaveLength(domains.length * 2);
  expect(json.problems.filter((line) => !line.includes(`127.0.0.1:${deadPort}`) && !line.includes(`127.0.0.1:${holePort}`))).toEqual([]);
  return { json, elapsedS };
}
