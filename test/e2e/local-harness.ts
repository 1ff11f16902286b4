import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToYaml, parseConfig, type Config } from '../../src/config/index.js';
import { newerNginxRoot } from '../peers/nginx.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { requireTool, runArgv } from '../peers/tools.js';
export { eventually } from '../peers/tools.js';
import { buildBackendImage, buildNginxImageFromRoot, hostDocker } from '../recipes/private-swarm.js';
import { startSwarmWiz as startCli, type Finished, type RunningSwarmWiz } from '../support/cli.js';
import { httpsGet } from '../support/https.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `apply --target local` against this machine's Docker engine (the dockerd test/peers/install.sh
 * starts) and Pebble on loopback. The engine must not be in a swarm when the test starts; the test
 * leaves the swarm, removes the stack, its networks and images at the end. Everything it sends goes to
 * 127.0.0.1 or to the containers the test itself deployed.
 */
export const PROXY_IMAGE = 'swz-local/nginx:1.30';
/**
 * The project's sites. `typed` is what swarm-wiz.yaml is written with, `domain` the name the config
 * normalises it to (what DNS, the CA, SNI, Host and the Swarm names carry). The second has a hyphen and
 * the third is an IDN, whose punycode has `--`: both once broke `delivery: secrets` (issue 17, item 1).
 */
export const SITES = [
  { typed: 'a.test', domain: 'a.test', aliases: ['www.a.test'], name: 'service-a', answer: 'site A', private: [{ name: 'a1', answer: 'private A1', port: 5001 }] },
  { typed: 'my-shop.test', domain: 'my-shop.test', aliases: [], name: 'service-b', answer: 'site B', private: [] },
  { typed: 'bücher.test', domain: 'xn--bcher-kva.test', aliases: [], name: 'service-c', answer: 'site C', private: [] },
] as const;

export interface LocalHarness {
  pebble: PebblePeer;
  dir: string;
  configPath: string;
  config: Config;
  /** Pebble's issuing root (what a client trusts for the served certificates). */
  rootFile: string;
  /** Pebble's listener CA (what swarm-wiz trusts to talk to the CA). */
  caCertFile: string;
  /** The CLI (`env`: more environment, like DIGITALOCEAN_TOKEN for dns-01; `stdin`: what it reads, else nothing). */
  swarmWiz(args: string[], env?: Record<string, string>, stdin?: string): Promise<Finished>;
  /** The CLI as a child process the test can signal. */
  startSwarmWiz(args: string[], env?: Record<string, string>, stdin?: string): RunningSwarmWiz;
  stop(): Promise<void>;
}

export async function docker(args: readonly string[]): Promise<string> {
  const result = await runArgv('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}



export async function startLocalHarness(project = 'demo'): Promise<LocalHarness> {
  requireTool('a running dockerd (test/peers/install.sh starts one)', ['docker', 'info'], 'apply --target local');
  requireTool('curl', ['curl', '--version'], 'HTTPS requests to the deployed proxy');
  const swarm = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim();
  if (swarm !== 'inactive') {
    throw new Error(`this machine's Docker engine is already in a swarm (${swarm}); the --target local test needs an engine it can initialise and leave again (docker swarm leave --force)`);
  }
  const newer = newerNginxRoot();
  await buildNginxImageFromRoot(hostDocker, PROXY_IMAGE, newer.root);
  for (const site of SITES) {
    await buildBackendImage(hostDocker, `swz-local/${site.name}:1`, site.answer, 5000);
    for (const svc of site.private) await buildBackendImage(hostDocker, `swz-local/${svc.name}:1`, svc.answer, svc.port);
  }
  const pebble = await startPebble({ httpPort: 80 });
  // Every name of the project resolves to this machine in the DNS Pebble asks, by its own A record
  // (ASCII form: a resolver is never asked for 'bücher.test'), not only through challtestsrv's default answer.
  for (const site of SITES) for (const host of [site.domain, ...site.aliases]) await pebble.challtestsrv.addA(host, ['127.0.0.1']);
  const dir = await mkdtemp(join(tmpdir(), 'swz-local-'));
  const rootFile = join(dir, 'pebble-root.pem');
  const caCertFile = join(dir, 'pebble-listener-ca.pem');
  await writeFile(rootFile, await pebble.issuingRootPem());
  await writeFile(caCertFile, pebble.listenerCaPem);
  const config = parseConfig({
    project,
    region: 'fra1',
    size: 's-1vcpu-2gb',
    managers: 1,
    workers: 0,
    topology: 'manager',
    sites: SITES.map((site) => ({
      domain: site.typed,
      aliases: [...site.aliases],
      service: { name: site.name, image: `swz-local/${site.name}:1`, port: 5000 },
      private: site.private.map((svc) => ({ name: svc.name, image: `swz-local/${svc.name}:1`, port: svc.port })),
    })),
    certificates: { email: 'ops@a.test', ca: pebble.directoryUrl, challenge: 'http-01', delivery: 'files' },
    proxy: { image: PROXY_IMAGE },
  });
  const normalised = config.sites.map((site) => site.domain);
  if (normalised.join(' ') !== SITES.map((site) => site.domain).join(' ')) throw new Error(`the config normalised the sites to ${normalised.join(', ')}, not to SITES' domains`);
  const configPath = join(dir, 'swarm-wiz.yaml');
  await writeFile(configPath, configToYaml(config));
  const startSwarmWiz = (args: string[], extraEnv: Record<string, string> = {}, stdin?: string) =>
    // Nothing to read unless the test gives it: stdin ends at once (as /dev/null would).
    startCli(args, { env: { CI: 'false', ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}), ...extraEnv }, stdin: stdin ?? '' });
  const swarmWiz = (args: string[], env?: Record<string, string>, stdin?: string) => startSwarmWiz(args, env, stdin).done;
  return {
    pebble,
    dir,
    configPath,
    config,
    rootFile,
    caCertFile,
    swarmWiz,
    startSwarmWiz,
    stop: async () => {
      await leaveSwarm(project);
      const built = (await runArgv('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'localhost:5000/me/*'])).stdout.split('\n').filter(Boolean);
      await runArgv('docker', ['image', 'rm', '-f', ...built, PROXY_IMAGE, ...SITES.flatMap((site) => [`swz-local/${site.name}:1`, ...site.private.map((svc) => `swz-local/${svc.name}:1`)])]);
      await pebble.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Removes the stack and its containers, leaves the swarm and removes the bridge it made: the engine as it was. */
export async function leaveSwarm(project: string): Promise<void> {
  await runArgv('docker', ['stack', 'rm', project]);
  for (let i = 0; i < 60 && (await runArgv('docker', ['ps', '-q', '--filter', `label=com.docker.stack.namespace=${project}`])).stdout.trim() !== ''; i++) await sleep(1000);
  await runArgv('docker', ['swarm', 'leave', '--force']);
  await runArgv('docker', ['network', 'rm', 'docker_gwbridge']);
}

/**
 * One HTTPS request to 127.0.0.1:443 with SNI and Host `domain`, trusting `rootPem`; a new TLS handshake
 * each time. The body is trimmed; `serial` and `cert` (its subjectAltName) are the served certificate's.
 */
export async function proxyGet(domain: string, rootPem: string, path = '/'): Promise<{ status: number; body: string; serial: string; cert: string }> {
  const reply = await httpsGet(`https://${domain}${path}`, { resolve: '127.0.0.1', ca: rootPem, timeoutMs: 10_000 });
  return { status: reply.status, body: reply.body.trim(), serial: reply.certificate?.serialNumber ?? '', cert: reply.certificate?.subjectaltname ?? '' };
}

export async function proxyContainerId(project = 'demo'): Promise<string> {
  return (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${project}_proxy`, '--filter', 'status=running'])).trim();
}

/**
 * New-connection HTTPS requests to 127.0.0.1:443, one loop per domain, until `stop()`: counts answers
 * that are 200 with the expected body, and lists every other outcome. Bounded: at most 20 000 requests
 * per domain.
 */
export function startRequestLoop(targets: readonly { domain: string; answer: string }[], rootPem: string): { stop(): Promise<{ ok: number; failed: string[] }> } {
  let running = true;
  const outcomes = { ok: 0, failed: [] as string[] };
  const loop = async (domain: string, answer: string) => {
    for (let i = 0; running && i < 20_000; i++) {
      try {
        const reply = await proxyGet(domain, rootPem);
        if (reply.status === 200 && reply.body === answer) outcomes.ok += 1;
        else outcomes.failed.push(`${domain}: ${reply.status} ${reply.body.slice(0, 60)}`);
      } catch (error) {
        outcomes.failed.push(`${domain}: ${(error as Error).message}`);
      }
    }
  };
  const loops = targets.map((target) => loop(target.domain, target.answer));
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}
