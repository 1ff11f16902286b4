/** What the sandbox offers, shared by its controller (sandbox-daemon.ts), its CLI and the tests. */
import type { ClusterImages } from './cluster.js';

export const SANDBOX_DOMAINS = ['a.test', 'b.test', 'c.test', 'd.test', 'e.test'] as const;

/** Preloaded on every machine: the proxy (nginx 1.30 from Debian unstable: its tag picks the `upstream-resolve` rendering) and one backend per domain. */
export const SANDBOX_IMAGES: ClusterImages = {
  proxy: 'sandbox/nginx:1.30',
  backends: ['a', 'b', 'c', 'd', 'e'].map((letter) => ({ image: `sandbox/site-${letter}`, answer: `site ${letter.toUpperCase()}` })),
};

/** The port every backend image answers on. */
export const SANDBOX_BACKEND_PORT = 5000;

/** challtestsrv's DNS, on 127.0.0.1 of the operator namespace. */
export const SANDBOX_DNS_PORT = 53;

/** The address of the (one) load balancer. */
export const LOAD_BALANCER_IP = '203.0.113.250';

/**
 * The load balancer runs its health checks this much faster than configured (DigitalOcean's 10 s
 * interval × 5 failures would take a minute to drop a node; here it takes 5 s).
 */
export const LOAD_BALANCER_TIME_SCALE = 0.1;

/** Debian's docker-registry in the operator namespace, on the VPC (delivery: image pushes there). */
export const SANDBOX_REGISTRY = { address: '10.110.0.2', port: 5000 };

/** The bucket of the sandbox's S3-compatible server (backups). */
export const SANDBOX_S3_BUCKET = 'swz-backups';

export interface SandboxInfo {
  apiUrl: string;
  token: string;
  operatorNetns: string;
  dnsServer: string;
  /** Pebble's ACME directory on the operator's public address: reachable from the operator namespace and every machine. */
  caUrl: string;
  /**
   * Pebble's management API (https, same listener CA as `caUrl`) on 127.0.0.1 of the operator
   * namespace: only reachable there (`ip netns exec <operatorNetns> …`; setRenewalWindow in
   * sandbox-harness.ts does that).
   */
  caManagementUrl: string;
  caRootFile: string;
  /** The CA of Pebble's own HTTPS listener (what Node must trust to talk ACME to it). */
  listenerCaFile: string;
  machines: { name: string; netns: string; publicIp: string; privateIp: string; dir: string }[];
  loadBalancerNetns: string;
  /** The registry and its (throwaway) login. */
  registry: { host: string; username: string; password: string };
  /**
   * Where Spaces would be: s3rver over HTTPS (its throwaway CA in `caFile`) on the operator's public
   * address, port 443; `dataDir` holds the stored objects (`<dataDir>/<bucket>/…`).
   */
  s3: { endpoint: string; caFile: string; dataDir: string; bucket: string; accessKeyId: string; secretAccessKey: string };
}

const shellValue = (value: string): string => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

/** Shell-sourceable `KEY=value` lines (`set -a; . <(swarm-wiz sandbox env); set +a`). */
export function envLines(info: SandboxInfo): string[] {
  const env: [string, string][] = [
    ['DIGITALOCEAN_API_URL', info.apiUrl],
    ['DIGITALOCEAN_TOKEN', info.token],
    ['SANDBOX_EXEC', `ip netns exec ${info.operatorNetns}`],
    ['SANDBOX_DNS', info.dnsServer],
    ['SANDBOX_CA_URL', info.caUrl],
    ['SANDBOX_CA_MANAGEMENT_URL', info.caManagementUrl],
    ['SANDBOX_CA_ROOT', info.caRootFile],
    ['SANDBOX_CA_CERT', info.listenerCaFile],
    ['NODE_EXTRA_CA_CERTS', info.listenerCaFile],
    ['SANDBOX_DOMAINS', SANDBOX_DOMAINS.join(' ')],
    ['SANDBOX_REGISTRY', info.registry.host],
    ['SWARM_WIZ_REGISTRY_USER', info.registry.username],
    ['SWARM_WIZ_REGISTRY_PASSWORD', info.registry.password],
    ['SANDBOX_S3_ENDPOINT', info.s3.endpoint],
    ['SANDBOX_S3_BUCKET', info.s3.bucket],
    ['SANDBOX_S3_CA', info.s3.caFile],
    ['SWARM_WIZ_S3_ACCESS_KEY_ID', info.s3.accessKeyId],
    ['SWARM_WIZ_S3_SECRET_ACCESS_KEY', info.s3.secretAccessKey],
    ['SANDBOX_IMAGES', [SANDBOX_IMAGES.proxy, ...SANDBOX_IMAGES.backends.map((backend) => backend.image)].join(' ')],
  ];
  return env.map(([key, value]) => `${key}=${shellValue(value)}`);
}

/** The `KEY=value` lines back into a map (for tests and `sandbox env --json`). */
export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const raw = match[2]!;
    env[match[1]!] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return env;
}
