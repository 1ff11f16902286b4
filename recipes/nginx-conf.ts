/*
 * proxy/nginx.conf — the seed's proxy, improved. Two renderings (see nginx-version.ts):
 *
 *   upstream-resolve  nginx >= 1.27.3 (the default image nginx:1.28-alpine). Keep-alive upstreams whose
 *                     names are re-resolved while running; `http2 on;`. The tests run it on nginx 1.30
 *                     from Debian unstable (nginx 1.22 rejects `resolve` in an upstream).
 *   per-request       nginx >= 1.19.4 (for `ssl_reject_handshake`). Request-time resolution through a
 *                     variable; no keep-alive to the backends. The tests run it on Debian's nginx 1.22.
 *
 * Both resolve service names through Docker's embedded DNS (127.0.0.11): with `endpoint_mode: dnsrr`
 * a service at 0 replicas has no name at all, which gives its domain a 503 page while every other
 * domain keeps working. The support server is reached as SUPPORT_HOST, which compose maps to its
 * private IP with `extra_hosts` (so this file does not change when the IP becomes known).
 */
import type { Config, Site } from '../src/config/index.js';
import type { NginxRendering } from './nginx-version.js';
import { HEALTH_PATH, SUPPORT_HOST, certificatePathsInContainer } from './names.js';

export interface NginxConfOptions {
  rendering: NginxRendering;
  /** The support server's HTTP port, when not 80 (see RenderContext.supportPort). */
  supportPort?: number;
}

/** Mozilla "intermediate" (TLS 1.2 + 1.3, ECDHE AEAD suites; the DHE suites are left out: they need a dhparam file). */
const MOZILLA_INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

const indent = (lines: string[], depth: number): string[] => lines.map((line) => (line === '' ? '' : '    '.repeat(depth) + line));

const hostsOf = (site: Site): string[] => [site.domain, ...site.aliases];
const upstreamName = (site: Site): string => `backend_${site.service.name}`;

function healthLocation(): string[] {
  return [`location = ${HEALTH_PATH} {`, '    access_log off;', '    default_type text/plain;', '    return 200 "ok\\n";', '}'];
}

/**
 * Idle keep-alive connections each worker keeps per upstream. Sized from `npm run bench` (gateway): at 50
 * concurrent HTTPS clients on 2 workers, 16 still opened a backend connection per ~7 requests, 32 one per
 * 40–140, 64 one per 1000 (nginx's keepalive_requests: the pool is fully reused).
 */
const UPSTREAM_KEEPALIVE = 64;

function upstreamBlock(site: Site): string[] {
  const name = upstreamName(site);
  return [
    `upstream ${name} {`,
    `    zone ${name} 64k;`,
    `    server ${site.service.name}:${site.service.port} resolve;`,
    `    keepalive ${UPSTREAM_KEEPALIVE};`,
    '}',
  ];
}

function defaultServer(rendering: NginxRendering): string[] {
  return [
    '# Unknown Host or no SNI: close the connection; on 443 refuse the TLS handshake, so no certificate is shown.',
    'server {',
    '    listen 80 default_server;',
    rendering === 'upstream-resolve' ? '    listen 443 ssl default_server;' : '    listen 443 ssl http2 default_server;',
    '    server_name _;',
    '    ssl_reject_handshake on;',
    ...indent(healthLocation(), 1),
    '    location / {',
    '        return 444;',
    '    }',
    '}',
  ];
}

function httpServer(config: Config, site: Site, supportPort: number | undefined): string[] {
  const acme =
    config.certificates.challenge === 'http-01'
      ? ['# HTTP-01 challenges go to the support server, whichever node this replica runs on.', 'location /.well-known/acme-challenge/ {', `    proxy_pass http://${SUPPORT_HOST}${supportPort === undefined || supportPort === 80 ? '' : `:${supportPort}`};`, '}']
      : [];
  return [
    'server {',
    '    listen 80;',
    `    server_name ${hostsOf(site).join(' ')};`,
    ...indent(acme, 1),
    ...indent(healthLocation(), 1),
    '    location / {',
    '        return 301 https://$host$request_uri;',
    '    }',
    '}',
  ];
}

function httpsServer(config: Config, site: Site, rendering: NginxRendering): string[] {
  const cert = certificatePathsInContainer(config.certificates.delivery, site.domain);
  const backend =
    rendering === 'upstream-resolve'
      ? [`proxy_pass http://${upstreamName(site)};`]
      : [`set $backend ${site.service.name};`, `proxy_pass http://$backend:${site.service.port};`];
  return [
    'server {',
    ...(rendering === 'upstream-resolve' ? ['    listen 443 ssl;', '    http2 on;'] : ['    listen 443 ssl http2;']),
    `    server_name ${hostsOf(site).join(' ')};`,
    `    ssl_certificate ${cert.chain};`,
    `    ssl_certificate_key ${cert.key};`,
    ...(config.proxy.hsts ? ['    add_header Strict-Transport-Security "max-age=63072000" always;'] : []),
    '    error_page 502 503 504 =503 @unavailable;',
    '    location / {',
    ...indent(backend, 2),
    '    }',
    '    location @unavailable {',
    '        default_type text/html;',
    '        add_header Retry-After 30 always;',
    `        return 503 '<!doctype html><title>Unavailable</title><h1>This site is temporarily unavailable</h1><p>Please try again in a minute.</p>\\n';`,
    '    }',
    '}',
  ];
}

/**
 * nginx stores each server name in a hash bucket as pointer + length + name (8-byte aligned), plus an
 * end marker; a name that does not fit stops nginx from starting. Sized for the longest name, as a power of two.
 */
function serverNamesBucketSize(config: Config): number {
  const longest = Math.max(...config.sites.flatMap(hostsOf).map((name) => name.length));
  const needed = Math.ceil((longest + 10) / 8) * 8 + 8;
  let size = 64;
  while (size < needed) size *= 2;
  return size;
}

/**
 * The server-name hash: the bucket size above, and with many names enough buckets too. nginx warns
 * "could not build optimal server_names_hash" (and ignores the bucket size) when the names do not fit
 * into server_names_hash_max_size buckets (default 512); measured with 500 sites × 2 names on nginx
 * 1.30: 64-byte buckets failed up to 4096 buckets, 128-byte buckets and 2048 buckets passed.
 */
function serverNamesHash(config: Config): string[] {
  const names = config.sites.flatMap(hostsOf).length;
  const bucket = serverNamesBucketSize(config);
  if (names <= 64) return [`server_names_hash_bucket_size ${bucket};`];
  let max = 512;
  while (max < 2 * names) max *= 2;
  return [`server_names_hash_bucket_size ${Math.max(bucket, 128)};`, `server_names_hash_max_size ${max};`];
}

/** The whole nginx.conf for the proxy image (`/etc/nginx/nginx.conf`). */
export function renderNginxConf(config: Config, options: NginxConfOptions): string {
  const { rendering } = options;
  const supported = rendering === 'upstream-resolve' ? 'nginx >= 1.27.3' : 'nginx >= 1.19.4';
  const http = [
    'include /etc/nginx/mime.types;',
    'default_type application/octet-stream;',
    '# The access log (swarm-wiz logs proxy): which backend answered and how long it took.',
    `log_format swarm_wiz '$remote_addr [$time_local] "$host" "$request" $status $body_bytes_sent '`,
    `                     'upstream=$upstream_addr upstream_time=$upstream_response_time request_time=$request_time "$http_user_agent"';`,
    'access_log /dev/stdout swarm_wiz;',
    'sendfile on;',
    'server_tokens off;',
    'keepalive_timeout 65s;',
    ...serverNamesHash(config),
    '',
    "# Docker's embedded DNS; re-asked every 10 s so scaling and redeploys are noticed.",
    'resolver 127.0.0.11 valid=10s ipv6=off;',
    'resolver_timeout 5s;',
    '',
    "map $http_upgrade $connection_upgrade {",
    '    default upgrade;',
    "    '' '';",
    '}',
    '',
    'ssl_protocols TLSv1.2 TLSv1.3;',
    `ssl_ciphers ${MOZILLA_INTERMEDIATE_CIPHERS};`,
    'ssl_prefer_server_ciphers off;',
    'ssl_ecdh_curve X25519:prime256v1:secp384r1;',
    'ssl_session_cache shared:SSL:10m;',
    'ssl_session_timeout 1d;',
    'ssl_session_tickets off;',
    "# Let's Encrypt no longer runs OCSP responders.",
    'ssl_stapling off;',
    '',
    'proxy_http_version 1.1;',
    'proxy_set_header Host $host;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_set_header X-Forwarded-Host $host;',
    'proxy_set_header Upgrade $http_upgrade;',
    'proxy_set_header Connection $connection_upgrade;',
    'proxy_connect_timeout 5s;',
    'proxy_read_timeout 90s;',
    '',
    ...(rendering === 'upstream-resolve' ? config.sites.flatMap((site) => [...upstreamBlock(site), '']) : []),
    ...defaultServer(rendering),
    ...config.sites.flatMap((site) => [
      '',
      `# ${site.domain} → ${site.service.name}:${site.service.port}`,
      ...httpServer(config, site, options.supportPort),
      ...httpsServer(config, site, rendering),
    ]),
  ];
  return [
    `# Generated by swarm-wiz for project ${config.project}. Edit swarm-wiz.yaml and re-run swarm-wiz, not this file.`,
    `# Rendering: ${rendering} (${supported}).`,
    'worker_processes auto;',
    'error_log stderr warn;',
    '',
    'events {',
    '    worker_connections 1024;',
    '}',
    '',
    'http {',
    ...indent(http, 1),
    '}',
    '',
  ].join('\n');
}
