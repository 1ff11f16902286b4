/**
 * The sandbox's controller process. `sandbox up` starts it inside the operator namespace (where
 * swarm-wiz runs), and it holds everything until `sandbox down` sends SIGTERM:
 *  - the machines (cluster.ts): one network namespace each with dockerd + sshd, images preloaded;
 *  - Pebble 2.10 (ARI, profiles) + challtestsrv (DNS on 127.0.0.1:53 here), which answer each domain
 *    with the A record swarm-wiz created through the fake API (DigitalOcean's name servers would).
 *    Pebble's ACME listener is on the operator's public address, so every machine reaches it as a
 *    droplet reaches Let's Encrypt; its management API stays on 127.0.0.1 here;
 *  - the fake DigitalOcean API, whose droplets become active on a free machine (machines.ts);
 *  - the load balancer of topology global-lb: a TCP passthrough in its own namespace.
 * Writes `<dir>/env` (what `sandbox up|env` print) once ready and `<dir>/bindings.json` whenever a
 * droplet is bound to or released from a machine.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FAKE_TOKEN, startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/fake-server.js';
import type { FakeState } from '../fake-do/state.js';
import { dnsPublisher } from '../fake-do/dns-publisher.js';
import { startPebble, type PebblePeer } from '../peers/pebble.js';
import { startRegistry, type RegistryPeer } from '../peers/registry.js';
import { RESTIC_BINARY } from '../peers/restic.js';
import { startS3, type S3Peer } from '../peers/s3.js';
import { OPERATOR_PUBLIC_IP, startCluster, type Cluster } from './cluster.js';
import { startLoadBalancer, type LoadBalancerConfig, type LoadBalancerHandle } from './load-balancer.js';
import { CLOUD_INIT_STAND_IN, MachinePool, SYSTEMCTL_STAND_IN } from './machines.js';
import { LOAD_BALANCER_IP, LOAD_BALANCER_TIME_SCALE, SANDBOX_DNS_PORT, SANDBOX_REGISTRY, SANDBOX_DOMAINS, SANDBOX_IMAGES, SANDBOX_S3_BUCKET, envLines, type SandboxInfo } from './sandbox-env.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, prefix: { type: 'string' }, machines: { type: 'string' } } });
const dir = values.dir ?? '';
const prefix = values.prefix ?? '';
const machineCount = Number(values.machines ?? '5');
if (!dir || !prefix || !Number.isInteger(machineCount) || machineCount < 1) throw new Error('usage: sandbox-daemon --dir DIR --prefix PREFIX --machines N');

const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${line}\n`);

const writeAtomic = (path: string, text: string, mode = 0o600): void => {
  writeFileSync(`${path}.tmp`, text, { mode });
  renameSync(`${path}.tmp`, path);
};

let cluster: Cluster | undefined;
let pebble: PebblePeer | undefined;
let registry: RegistryPeer | undefined;
let s3: S3Peer | undefined;
let fake: FakeDigitalOcean | undefined;
let pool: MachinePool | undefined;
let stopping: Promise<void> | undefined;
let balancer: { handle: LoadBalancerHandle; key: string } | undefined;
let balancerSync: Promise<void> = Promise.resolve();
let balancerTimer: NodeJS.Timeout | undefined;

async function stop(): Promise<void> {
  log('stopping');
  if (balancerTimer) clearInterval(balancerTimer);
  pool?.close();
  await balancerSync.catch(() => undefined);
  await balancer?.handle.stop().catch(() => undefined);
  await fake?.stop().catch(() => undefined);
  await pebble?.stop().catch(() => undefined);
  await registry?.stop().catch(() => undefined);
  await s3?.stop().catch(() => undefined);
  await cluster?.stop();
  log('stopped');
}

const shutdown = (code: number): void => {
  stopping ??= stop();
  void stopping.finally(() => process.exit(code));
};
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

/**
 * The account's load balancer as the passthrough's config: its forwarding rules, the droplets with its
 * tag (active ones, by private address: DigitalOcean balances over the VPC) and its health check, with
 * intervals and timeouts scaled by LOAD_BALANCER_TIME_SCALE so a drop takes seconds, not a minute.
 */
function balancerConfig(state: FakeState): LoadBalancerConfig | undefined {
  const wanted = state.loadBalancers.find((candidate) => candidate.status === 'active');
  if (!wanted) return undefined;
  const check = wanted.health_check as Record<string, unknown>;
  const seconds = (key: string, fallback: number) => (typeof check[key] === 'number' ? (check[key] as number) : fallback) * LOAD_BALANCER_TIME_SCALE;
  return {
    listen: wanted.forwarding_rules.map((rule) => ({ port: Number(rule.entry_port), targetPort: Number(rule.target_port) })),
    targets: state.droplets
      .filter((droplet) => droplet.status === 'active' && droplet.tags.includes(wanted.tag))
      .map((droplet) => ({ address: droplet.networks.v4.find((network) => network.type === 'private')?.ip_address ?? '' }))
      .filter((target) => target.address !== ''),
    healthCheck: {
      protocol: check.protocol === 'tcp' ? 'tcp' : 'http',
      port: Number(check.port ?? 80),
      path: typeof check.path === 'string' ? check.path : '/',
      check_interval_seconds: seconds('check_interval_seconds', 10),
      response_timeout_seconds: seconds('response_timeout_seconds', 5),
      unhealthy_threshold: Number(check.unhealthy_threshold ?? 5),
      healthy_threshold: Number(check.healthy_threshold ?? 3),
    },
  };
}

/** Starts, reconfigures or stops the passthrough so that it matches the account (one at a time). */
let syncing = false;
function syncBalancer(state: FakeState): void {
  if (syncing) return;
  syncing = true;
  balancerSync = balancerSync
    .then(async () => {
      const config = balancerConfig(state);
      const key = JSON.stringify(config ?? null);
      if (key === (balancer?.key ?? 'null')) return;
      if (!config) {
        await balancer?.handle.stop();
        balancer = undefined;
        log('load balancer removed');
        return;
      }
      if (balancer) await balancer.handle.update(config);
      else balancer = { handle: await startLoadBalancer({ netns: `${prefix}-lb`, dir: join(dir, 'load-balancer'), config }), key };
      balancer.key = key;
      log(`load balancer: ${config.targets.map((target) => target.address).join(', ') || 'no targets'}`);
    })
    .catch((error: unknown) => log(`load balancer: ${(error as Error).message}`))
    .finally(() => {
      syncing = false;
    });
}

async function main(): Promise<void> {
  const started = Date.now();
  const standIn = join(dir, 'cloud-init');
  writeFileSync(standIn, CLOUD_INIT_STAND_IN);
  chmodSync(standIn, 0o755);
  const systemctl = join(dir, 'systemctl');
  writeFileSync(systemctl, SYSTEMCTL_STAND_IN);
  chmodSync(systemctl, 0o755);
  // The package cloud-init installs on the swarm nodes that this machine lacks: Debian 13's restic
  // (unpacked by test/peers/install.sh), on the droplets' PATH in /usr/local/sbin (empty on Debian).
  const localSbin = join(dir, 'usr-local-sbin');
  mkdirSync(localSbin, { recursive: true });
  copyFileSync(RESTIC_BINARY, join(localSbin, 'restic'));
  cluster = await startCluster({
    machines: Array.from({ length: machineCount }, (_, i) => ({ name: `machine-${i + 1}`, role: 'worker' as const })),
    prefix,
    root: join(dir, 'machines'),
    operatorNetns: `${prefix}-op`,
    extraNamespaces: [{ name: `${prefix}-lb`, short: 'lb', publicIp: LOAD_BALANCER_IP, privateIp: '10.110.0.250' }],
    perNodeKeys: true,
    holderBinds: [
      { source: standIn, target: '/usr/bin/cloud-init' },
      { source: systemctl, target: '/usr/bin/systemctl' },
      { source: localSbin, target: '/usr/local/sbin' },
    ],
    images: SANDBOX_IMAGES,
    insecureRegistries: [`${SANDBOX_REGISTRY.address}:${SANDBOX_REGISTRY.port}`],
  });
  // Also as plain `sandbox/nginx` (swarm-wiz renders the nginx ≥ 1.19.4 variant for an untagged image).
  await Promise.all(cluster.nodes.map((node) => node.docker(['tag', SANDBOX_IMAGES.proxy, SANDBOX_IMAGES.proxy.split(':')[0]!])));
  log(`${machineCount} machines up in ${Date.now() - started} ms`);
  // challtestsrv answers names it has no record of with an address no machine has.
  pebble = await startPebble({ httpPort: 80, dnsPort: SANDBOX_DNS_PORT, defaultIPv4: '203.0.113.254', unstable: true, listenHost: OPERATOR_PUBLIC_IP });
  const rootFile = join(dir, 'pebble-root.pem');
  const listenerCaFile = join(dir, 'pebble-listener-ca.pem');
  writeAtomic(rootFile, await pebble.issuingRootPem(), 0o644);
  writeAtomic(listenerCaFile, pebble.listenerCaPem, 0o644);

  // delivery: image pushes here (plain HTTP on the VPC, with a login; the machines' engines allow it).
  const registryLogin = { username: 'sandbox', password: randomBytes(12).toString('base64url') };
  registry = await startRegistry({ ...SANDBOX_REGISTRY, dir: join(dir, 'registry'), auth: registryLogin });

  // Backups: an S3-compatible server where Spaces would be (the "internet": the operator's public
  // address, HTTPS on 443 with a throwaway CA), with one bucket and a key pair of its own.
  const s3Keys = { accessKeyId: `SANDBOX${randomBytes(6).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(24).toString('base64url') };
  s3 = await startS3({ dir, bucket: SANDBOX_S3_BUCKET, ...s3Keys, address: OPERATOR_PUBLIC_IP, port: 443 });

  const publishDns = dnsPublisher(pebble.challtestsrv);
  const writeBindings = () => writeAtomic(join(dir, 'bindings.json'), `${JSON.stringify(pool?.bindings() ?? [], null, 2)}\n`, 0o644);
  pool = new MachinePool(cluster.nodes, { loadBalancerIp: LOAD_BALANCER_IP, log, onChange: writeBindings });
  pool.serveEngineRestarts();
  writeBindings();
  fake = await startFakeDigitalOcean({
    token: DEFAULT_FAKE_TOKEN,
    activeAfterMs: 500,
    domains: [...SANDBOX_DOMAINS],
    machines: pool,
    dropletLimit: pool.size,
    afterChange: publishDns,
  });
  // Droplets become active after their API call returns: follow the account, not just its changes.
  balancerTimer = setInterval(() => fake && syncBalancer(fake.state), 500);

  const info: SandboxInfo = {
    apiUrl: fake.url,
    token: fake.token,
    operatorNetns: cluster.operatorNetns,
    dnsServer: `127.0.0.1:${SANDBOX_DNS_PORT}`,
    caUrl: pebble.directoryUrl,
    caManagementUrl: pebble.managementUrl,
    caRootFile: rootFile,
    listenerCaFile,
    machines: cluster.nodes.map((node) => ({ name: node.name, netns: node.netns, publicIp: node.publicIp, privateIp: node.privateIp, dir: node.dir })),
    loadBalancerNetns: `${prefix}-lb`,
    registry: { host: registry.host, ...registryLogin },
    s3: { endpoint: s3.endpoint, caFile: s3.caFile, dataDir: s3.dataDir, bucket: SANDBOX_S3_BUCKET, ...s3Keys },
  };
  writeAtomic(join(dir, 'info.json'), `${JSON.stringify(info, null, 2)}\n`, 0o644);
  writeAtomic(join(dir, 'env'), envLines(info).join('\n') + '\n', 0o600);
  log(`ready in ${Date.now() - started} ms: fake DigitalOcean ${fake.url}, ACME ${pebble.directoryUrl}`);
}

main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  shutdown(1);
});
