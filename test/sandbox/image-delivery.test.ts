import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { startRegistry, type RegistryPeer } from '../peers/registry.js';
import { generateKey } from '../peers/sshd.js';
import { BACKEND_PORT, BACKENDS, PROXY_IMAGE, startCluster, type Cluster } from './cluster.js';
import type { DeployInOperatorArgs, DeployInOperatorResult } from './deploy-in-operator.js';

/**
 * certificates.delivery: image on "droplets": swarm-wiz builds the proxy image (nginx.conf and the
 * certificates baked in) on manager-1, pushes it to a real registry (Debian's docker-registry, plain
 * HTTP, in the operator namespace; each node's daemon.json lists it as insecure), and the workers
 * pull it from there when their proxy task starts. The registry wants a login (htpasswd): swarm-wiz
 * logs in on the manager (password on stdin, kept in the project folder) and the stack deploy passes
 * the login on to the workers (--with-registry-auth).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(import.meta.dirname, 'deploy-in-operator.ts');
const REGISTRY = { address: '10.110.0.2', port: 5000 };
const REGISTRY_HOST = `${REGISTRY.address}:${REGISTRY.port}`;
const SITES = BACKENDS.slice(0, 2);
const LOGIN = { host: REGISTRY_HOST, username: 'swz-ci', password: 'pushes-the-proxy-7' };
const HOST_DOCKER_CONFIG = '/root/.docker/config.json';
const readOr = (path: string) => readFile(path, 'utf8').catch(() => '');

let cluster: Cluster | undefined;
let registry: RegistryPeer | undefined;
let dir: string;

const config = {
  project: 'demo',
  region: 'fra1',
  size: 's-1vcpu-2gb',
  managers: 1,
  workers: 2,
  topology: 'per-domain',
  sites: SITES.map((backend) => ({ domain: backend.domain, aliases: [], service: { name: backend.name, image: backend.image, port: BACKEND_PORT }, private: [] })),
  certificates: { email: 'ops@a.test', ca: 'staging', challenge: 'http-01', delivery: 'image' },
  registry: `${REGISTRY_HOST}/swz`,
  proxy: { image: PROXY_IMAGE },
};

function c(): Cluster {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
}

async function deploy(): Promise<DeployInOperatorResult> {
  const args: DeployInOperatorArgs = {
    dir,
    config,
    nodes: c().nodes.map((node) => ({ name: node.name, role: node.role, publicIp: node.publicIp, privateIp: node.privateIp })),
    supportNode: 'manager-1',
    supportAddress: c().manager.privateIp,
    supportPort: 8403,
    entryPoints: c().workers.map((worker) => ({ address: worker.publicIp, port: 80 })),
    registryLogin: LOGIN,
  };
  const argsFile = join(dir, 'deploy-args.json');
  await writeFile(argsFile, JSON.stringify(args));
  const run = await c().inOperator([process.execPath, '--import', 'tsx', SCRIPT, argsFile], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeoutMs: 240_000 });
  if (run.code !== 0) throw new Error(`the deploy in the operator namespace failed (exit ${run.code}):\n${run.stderr}\n${run.stdout}\n${c().logs('manager-1').slice(-3000)}\n--- registry ---\n${registry?.log().slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as DeployInOperatorResult;
}

async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, seconds: number): Promise<T> {
  let last: T | undefined;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: not there after ${seconds} s (last: ${JSON.stringify(last)})`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swz-image-delivery-'));
  cluster = await startCluster({ workers: 2, insecureRegistries: [REGISTRY_HOST] });
  registry = await startRegistry({ netns: cluster.operatorNetns, ...REGISTRY, dir: join(dir, 'registry'), auth: { username: LOGIN.username, password: LOGIN.password } });
  await mkdir(join(dir, '.swarm-wiz', 'ssh'), { recursive: true, mode: 0o700 });
  cluster.authorize(await generateKey(join(dir, '.swarm-wiz', 'ssh', 'id_ed25519')));
  // No CA is reachable from the namespaces: a valid self-signed certificate per site, so nothing is due.
  const certs = new CertificateStore(dir);
  for (const site of SITES) {
    const now = Date.now();
    const pair = await generateCertificate({ names: [site.domain], notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * 86_400_000) });
    await certs.save(site.domain, pair.keyPem, pair.certPem, { names: [site.domain] });
  }
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('delivery: image on a namespace swarm with a real registry', () => {
  it('builds the proxy image on the manager, logs in, pushes it, and the workers pull it with the login and serve HTTPS', async () => {
    const hostConfigBefore = await readOr(HOST_DOCKER_CONFIG);
    const result = await deploy();
    expect(JSON.stringify(result)).not.toContain(LOGIN.password);
    const registryGet = (path: string, login = true) =>
      c().inOperator(['curl', '-sS', '--max-time', '5', ...(login ? ['-u', `${LOGIN.username}:${LOGIN.password}`] : []), `http://${REGISTRY_HOST}${path}`]);
    expect((await registryGet('/v2/_catalog', false)).stdout).toContain('UNAUTHORIZED');
    expect(JSON.parse((await registryGet('/v2/_catalog')).stdout)).toEqual({ repositories: ['swz/demo-proxy'] });
    const tags = JSON.parse((await registryGet('/v2/swz/demo-proxy/tags/list')).stdout) as { tags: string[] };
    expect(tags.tags).toHaveLength(1);
    const image = `${REGISTRY_HOST}/swz/demo-proxy:${tags.tags[0]}`;
    expect((await c().manager.docker(['service', 'inspect', 'demo_proxy', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'])).trim()).toMatch(new RegExp(`^${image.replaceAll('.', '\\.')}`));
    for (const worker of c().workers) {
      for (const site of SITES) {
        const reply = await eventually(
          `${site.domain} on ${worker.name}`,
          () => c().inOperator(['curl', '-sS', '-k', '--max-time', '5', '--resolve', `${site.domain}:443:${worker.publicIp}`, `https://${site.domain}/`], { timeoutMs: 10_000 }),
          (r) => r.stdout.trim() === site.answer,
          60,
        );
        expect(reply.stdout.trim()).toBe(site.answer);
      }
      // The worker never built it: it came from the registry.
      expect((await worker.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n')).toContain(image);
    }
    // The login stayed in the project folder on the manager (its private /srv), not in root's ~/.docker.
    expect(await readOr(HOST_DOCKER_CONFIG)).toBe(hostConfigBefore);
    expect(await c().manager.docker(['service', 'inspect', 'demo_proxy', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'])).not.toContain(LOGIN.password);
  }, 300_000);
});
