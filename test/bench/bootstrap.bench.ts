import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { generateKey } from '../peers/sshd.js';
import { eventually } from '../peers/tools.js';
import { BACKEND_PORT, BACKENDS, PROXY_IMAGE, startCluster, type Cluster } from '../sandbox/cluster.js';
import type { DeployInOperatorArgs } from '../sandbox/deploy-in-operator.js';
import type { Figure } from './figures.js';

/**
 * Bootstrap in the sandbox cluster (network namespaces, each with its own sshd + dockerd; see
 * test/sandbox/cluster.ts): swarm-wiz's deploy over SSH from the operator namespace — swarm init,
 * joins, labels, network check, stack — until every worker serves every site over HTTPS (topology
 * global-lb: the proxy on every worker). 2 nodes (manager + 1 worker) against 5 (manager + 4 workers).
 * One round each: a cluster costs a dockerd per node on 2 cores.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'test', 'sandbox', 'deploy-in-operator.ts');

async function bootstrap(workers: number): Promise<{ seconds: number; clusterSeconds: number }> {
  const clusterStarted = performance.now();
  let cluster: Cluster | undefined;
  const dir = await mkdtemp(join(tmpdir(), 'swz-bench-bootstrap-'));
  try {
    cluster = await startCluster({ workers });
    const clusterSeconds = (performance.now() - clusterStarted) / 1000;
    const c = cluster;
    await mkdir(join(dir, '.swarm-wiz', 'ssh'), { recursive: true, mode: 0o700 });
    c.authorize(await generateKey(join(dir, '.swarm-wiz', 'ssh', 'id_ed25519')));
    // No CA is reachable from the namespaces: a valid self-signed certificate per site, so nothing is due.
    const certs = new CertificateStore(dir);
    for (const backend of BACKENDS) {
      const now = Date.now();
      const pair = await generateCertificate({ names: [backend.domain], notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * 86_400_000) });
      await certs.save(backend.domain, pair.keyPem, pair.certPem, { names: [backend.domain] });
    }
    const args: DeployInOperatorArgs = {
      dir,
      config: {
        project: 'demo',
        region: 'fra1',
        size: 's-1vcpu-2gb',
        managers: 1,
        workers,
        topology: 'global-lb',
        sites: BACKENDS.map((backend) => ({ domain: backend.domain, aliases: [], service: { name: backend.name, image: backend.image, port: BACKEND_PORT }, private: [] })),
        certificates: { email: 'ops@a.test', ca: 'staging', challenge: 'http-01', delivery: 'files' },
        proxy: { image: PROXY_IMAGE },
      },
      nodes: c.nodes.map((node) => ({ name: node.name, role: node.role, publicIp: node.publicIp, privateIp: node.privateIp })),
      supportNode: 'manager-1',
      supportAddress: c.manager.privateIp,
      supportPort: 8403,
      entryPoints: c.workers.map((worker) => ({ address: worker.publicIp, port: 80 })),
    };
    const argsFile = join(dir, 'deploy-args.json');
    await writeFile(argsFile, JSON.stringify(args));
    const started = performance.now();
    const run = await c.inOperator([process.execPath, '--import', 'tsx', SCRIPT, argsFile], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeoutMs: 300_000 });
    if (run.code !== 0) throw new Error(`the deploy of ${workers + 1} nodes failed (exit ${run.code}):\n${run.stderr}\n${run.stdout.slice(-2000)}`);
    const curl = (domain: string, address: string) => c.inOperator(['curl', '-sS', '-k', '--max-time', '2', '--resolve', `${domain}:443:${address}`, `https://${domain}/`], { timeoutMs: 5_000 });
    await eventually(
      `every site on every one of ${workers} workers`,
      () => Promise.all(c.workers.flatMap((worker) => BACKENDS.map(async (backend) => (await curl(backend.domain, worker.publicIp)).stdout.trim() === backend.answer))),
      (answers) => Array.isArray(answers) && answers.every(Boolean),
      180,
      200,
    );
    return { seconds: (performance.now() - started) / 1000, clusterSeconds };
  } finally {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function bootstrapBench(): Promise<Figure[]> {
  const two = await bootstrap(1);
  const five = await bootstrap(4);
  const how = 'sandbox cluster (a network namespace + sshd + dockerd (vfs) per node, all on this machine\'s 2 cores), deploy over SSH from the operator namespace, 3 sites, topology global-lb; one round each';
  return [
    { name: 'bootstrap 2 nodes to every worker serving HTTPS', value: two.seconds, unit: 's', note: `${how}; starting the cluster took ${two.clusterSeconds.toFixed(0)} s (not counted)` },
    { name: 'bootstrap 5 nodes to every worker serving HTTPS', value: five.seconds, unit: 's', baseline: { name: '2 nodes', value: two.seconds }, note: `${how}; starting the cluster took ${five.clusterSeconds.toFixed(0)} s (not counted)` },
  ];
}
