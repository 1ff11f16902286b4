import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderNginxConf } from '../../recipes/nginx-conf.js';
import { certificatePathsInContainer } from '../../recipes/names.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { newerNginxRoot, throwawayCertificate } from '../peers/nginx.js';
import { requireTool, requireUnshare } from '../peers/tools.js';
import type { GatewayResults, GatewaySpec, WrkRun } from './gateway-ns.js';
import { median, type Figure } from './figures.js';

/**
 * The generated gateway beside Caddy and a hand-written nginx ceiling, all on this machine in one
 * private network namespace (see gateway-ns.ts), wrk with HTTPS keep-alive, rounds alternating.
 */
const ROUNDS = 5;
const SECONDS = 6;
const CONNECTIONS = 50;
const HANDSHAKE_SECONDS = 3;

const INSIDE = join(dirname(fileURLToPath(import.meta.url)), 'gateway-ns.ts');
const GENERATED = 'generated (upstream-resolve)';
const PER_REQUEST = 'generated (per-request)';
const CEILING = 'hand-written nginx (keep-alive upstream)';

/** The minimal nginx reverse proxy for one HTTPS site with a keep-alive pool: the ceiling for an nginx gateway here. */
function ceilingConf(port: number): string {
  return [
    'worker_processes auto;',
    'error_log stderr warn;',
    'events { worker_connections 1024; }',
    'http {',
    '    access_log off;',
    '    upstream backend { server 127.0.0.1:5000; keepalive 64; }',
    '    server {',
    `        listen ${port} ssl;`,
    '        server_name a.com;',
    '        ssl_certificate /tmp/a.crt;',
    '        ssl_certificate_key /tmp/a.key;',
    '        ssl_session_cache shared:SSL:10m;',
    '        location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }',
    '    }',
    '}',
    '',
  ].join('\n');
}

/** Runs the comparison; `extra` proxies (nginx.conf text on the newer nginx) join the rounds, e.g. to size the keep-alive pool. */
export async function runGateway(options: { extra?: GatewaySpec['proxies']; rounds?: number; seconds?: number; handshakeSeconds?: number } = {}): Promise<GatewayResults> {
  requireUnshare();
  requireTool('wrk', ['which', 'wrk'], 'the gateway benchmark (apt-get install wrk; test/peers/install.sh)');
  requireTool('caddy', ['caddy', 'version'], 'the gateway benchmark (apt-get install caddy; test/peers/install.sh)');
  const { root } = newerNginxRoot();
  const config = parseConfig({
    ...SEED_EXAMPLE,
    sites: [{ domain: 'a.com', service: { name: 'service-a', image: 'ghcr.io/me/a:1.0', port: 5000 } }],
    certificates: { ...SEED_EXAMPLE.certificates, delivery: 'secrets' },
  });
  const work = await mkdtemp(join(tmpdir(), 'swz-bench-gateway-'));
  try {
    const { certPem, keyPem } = throwawayCertificate(['a.com']);
    const paths = certificatePathsInContainer('secrets', 'a.com');
    for (const [path, text] of [[paths.chain, certPem], [paths.key, keyPem]] as const) {
      const file = join(work, path.replace(/^\/run\//, 'run/'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text, { mode: 0o600 });
    }
    const generated = renderNginxConf(config, { rendering: 'upstream-resolve' });
    const perRequest = renderNginxConf(config, { rendering: 'per-request' }).replaceAll('listen 80', 'listen 8080').replaceAll('listen 443', 'listen 8444');
    const spec: GatewaySpec = {
      work,
      nginxRoot: root,
      proxies: [
        // In this order after Caddy: each compared pair runs back to back in every round.
        { name: GENERATED, conf: generated, port: 443 },
        { name: CEILING, conf: ceilingConf(7443), port: 7443 },
        { name: PER_REQUEST, conf: perRequest, port: 8444 },
        ...(options.extra ?? []),
      ],
      caddyPort: 9443,
      certPem,
      keyPem,
      rounds: options.rounds ?? ROUNDS,
      seconds: options.seconds ?? SECONDS,
      connections: CONNECTIONS,
      handshakeSeconds: options.handshakeSeconds ?? HANDSHAKE_SECONDS,
    };
    const specPath = join(work, 'spec.json');
    await writeFile(specPath, JSON.stringify(spec));
    const child = spawn('unshare', ['--net', '--mount', '--fork', '--kill-child=SIGTERM', process.execPath, '--import', 'tsx', INSIDE, '--inside', specPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`the gateway benchmark failed (exit ${code})`);
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as GatewayResults;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export default async function gatewayBench(): Promise<Figure[]> {
  const results = await runGateway();
  const rps = (variant: string) => median(results.wrk.filter((r) => r.variant === variant).map((r) => r.requestsPerSecond));
  const perThousand = (variant: string) => median(results.wrk.filter((r) => r.variant === variant).map((r) => (1000 * r.backendConnections) / r.requests));
  const failed = (variant: string) => results.wrk.filter((r) => r.variant === variant).reduce((sum, r) => sum + r.errors + r.non2xx, 0);
  /** Median over rounds of variant ÷ baseline within the same round (they ran back to back). */
  const paired = (variant: string, baseline: string, pick: (r: WrkRun) => number = (r) => r.requestsPerSecond) =>
    median(results.wrk.filter((r) => r.variant === variant).map((r) => pick(r) / pick(results.wrk.find((b) => b.variant === baseline && b.round === r.round)!)));
  const shakes = (variant: string, kind: 'full' | 'resumed' | 'close') => median(results.handshakes.filter((r) => r.variant === variant && r.kind === kind).map((r) => r.perSecond));
  const resumedShare = (variant: string) => Math.min(...results.handshakes.filter((r) => r.variant === variant && r.kind === 'resumed').map((r) => r.resumedShare));
  const how = `wrk -t2 -c${CONNECTIONS} ${SECONDS} s, HTTPS keep-alive, median of ${ROUNDS} alternating rounds (ratio: median of the per-round ratios); nginx ${newerNginxRoot().version}, wrk, nginx, Caddy and the backend share the 2 cores`;
  const caddy = { name: 'Caddy 2.6 reverse_proxy', value: rps('caddy') };
  const ceiling = { name: CEILING, value: rps(CEILING) };
  const connectionsNote = (variant: string) => `backend connections opened per 1000 proxied requests (the backend's stub_status accepts), median of ${ROUNDS}; ${failed(variant)} failed requests`;
  return [
    { name: 'backend direct (plain HTTP, no proxy)', value: rps('backend direct (HTTP)'), unit: 'req/s', note: how },
    { name: 'Caddy 2.6 reverse_proxy, HTTPS', value: rps('caddy'), unit: 'req/s', note: how },
    { name: 'hand-written nginx upstream + keep-alive, HTTPS (ceiling)', value: rps(CEILING), unit: 'req/s', baseline: caddy, pairedRatio: paired(CEILING, 'caddy'), note: how },
    { name: 'generated gateway (upstream-resolve) vs Caddy', value: rps(GENERATED), unit: 'req/s', baseline: caddy, pairedRatio: paired(GENERATED, 'caddy'), target: { text: '≥ 2.5× Caddy', on: 'ratio', comparator: '>=', limit: 2.5 }, note: how },
    { name: 'generated gateway (upstream-resolve) vs the hand-written ceiling', value: rps(GENERATED), unit: 'req/s', baseline: ceiling, pairedRatio: paired(GENERATED, CEILING), target: { text: '≥ 0.95× the ceiling', on: 'ratio', comparator: '>=', limit: 0.95 }, note: how },
    { name: 'generated gateway (per-request rendering) vs Caddy', value: rps(PER_REQUEST), unit: 'req/s', baseline: caddy, pairedRatio: paired(PER_REQUEST, 'caddy'), note: `${how}; nginx >= 1.19.4 rendering, no upstream keep-alive` },
    { name: 'backend connections per 1000 requests: upstream-resolve', value: perThousand(GENERATED), unit: 'conn/1000 req', target: { text: '≤ 10 (the keep-alive pool is reused)', on: 'value', comparator: '<=', limit: 10 }, note: connectionsNote(GENERATED) },
    { name: 'backend connections per 1000 requests: per-request rendering', value: perThousand(PER_REQUEST), unit: 'conn/1000 req', note: connectionsNote(PER_REQUEST) },
    { name: 'backend connections per 1000 requests: hand-written ceiling', value: perThousand(CEILING), unit: 'conn/1000 req', note: connectionsNote(CEILING) },
    { name: 'backend connections per 1000 requests: Caddy', value: perThousand('caddy'), unit: 'conn/1000 req', note: connectionsNote('caddy') },
    {
      name: 'new TLS handshakes (full, TLS 1.3): generated vs Caddy',
      value: shakes(GENERATED, 'full'),
      unit: 'handshakes/s',
      baseline: { name: 'Caddy 2.6', value: shakes('caddy', 'full') },
      note: `8 concurrent Node.js clients (on the same 2 cores), ${HANDSHAKE_SECONDS} s, median of ${ROUNDS}`,
    },
    {
      name: 'new HTTPS connections (full handshake + 1 request, wrk Connection: close): generated vs Caddy',
      value: shakes(GENERATED, 'close'),
      unit: 'conn/s',
      baseline: { name: 'Caddy 2.6', value: shakes('caddy', 'close') },
      note: `wrk -t2 -c16 -H "Connection: close", ${HANDSHAKE_SECONDS} s, median of ${ROUNDS}; wrk does not resume sessions`,
    },
    {
      name: 'resumed TLS handshakes (TLS 1.3 tickets): generated vs Caddy',
      value: shakes(GENERATED, 'resumed'),
      unit: 'handshakes/s',
      baseline: { name: 'Caddy 2.6', value: shakes('caddy', 'resumed') },
      note: `resumed share: generated ${(resumedShare(GENERATED) * 100).toFixed(0)}%, Caddy ${(resumedShare('caddy') * 100).toFixed(0)}% (lowest round); 8 concurrent Node.js clients, ${HANDSHAKE_SECONDS} s, median of ${ROUNDS}`,
    },
  ];
}
