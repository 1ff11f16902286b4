import { describe, expect, it } from 'vitest';
import { renderProjectFiles } from '../../recipes/index.js';
import { renderNginxConf } from '../../recipes/nginx-conf.js';
import { nginxRenderingFor, nginxVersionOfImage, parseNginxVersion } from '../../recipes/nginx-version.js';
import { nginxRenderingOf } from '../../recipes/project-files.js';
import { ConfigError, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { checkNginxConf, newerNginxRoot, throwawayCertificate } from '../peers/nginx.js';
import { certificateFilesFor, certificatePathsInText, fileOf, RENDERINGS, seedConfig } from './fixtures.js';

const SUPPORT = { 'swarm-wiz-support:80': { host: '127.0.0.1', port: 9 } };

describe('which rendering an image gets', () => {
  it('reads the nginx version from official nginx image tags only', () => {
    expect(nginxVersionOfImage('nginx:1.28-alpine')).toEqual({ major: 1, minor: 28 });
    expect(nginxVersionOfImage('docker.io/library/nginx:1.27.3')).toEqual({ major: 1, minor: 27, patch: 3 });
    expect(nginxVersionOfImage('nginxinc/nginx-unprivileged:1.26.2-alpine')).toEqual({ major: 1, minor: 26, patch: 2 });
    expect(nginxVersionOfImage('localhost:5000/nginx:1.22')).toEqual({ major: 1, minor: 22 });
    expect(nginxVersionOfImage('nginx:latest')).toBeUndefined();
    expect(nginxVersionOfImage('nginx')).toBeUndefined();
    expect(nginxVersionOfImage('ghcr.io/me/proxy:1.28')).toBeUndefined();
  });

  it('uses upstream resolve from 1.27.3 on, per-request resolution before and when unknown', () => {
    expect(nginxRenderingFor(parseNginxVersion('1.27.3'))).toBe('upstream-resolve');
    expect(nginxRenderingFor(parseNginxVersion('1.27'))).toBe('upstream-resolve');
    expect(nginxRenderingFor(parseNginxVersion('1.28.0'))).toBe('upstream-resolve');
    expect(nginxRenderingFor(parseNginxVersion('2.0.0'))).toBe('upstream-resolve');
    expect(nginxRenderingFor(parseNginxVersion('1.27.2'))).toBe('per-request');
    expect(nginxRenderingFor(parseNginxVersion('1.22.1'))).toBe('per-request');
    expect(nginxRenderingFor(undefined)).toBe('per-request');
    const config = seedConfig('manager', 'secrets');
    expect(nginxRenderingOf(config)).toBe('upstream-resolve');
    expect(nginxRenderingOf(config, { nginxVersion: '1.22.1' })).toBe('per-request');
    expect(nginxRenderingOf(seedConfig('manager', 'secrets', { proxy: { image: 'nginx:stable' } }))).toBe('per-request');
  });
});

describe('nginx.conf text', () => {
  const config = seedConfig('manager', 'secrets');
  const resolve = renderNginxConf(config, { rendering: 'upstream-resolve' });
  const perRequest = renderNginxConf(config, { rendering: 'per-request' });

  it('has a default server that closes unknown hosts and never shows a certificate', () => {
    for (const text of [resolve, perRequest]) {
      const defaultServer = text.slice(text.indexOf('listen 80 default_server;'), text.indexOf('# a.com'));
      expect(defaultServer).toContain('ssl_reject_handshake on;');
      expect(defaultServer).toContain('return 444;');
      expect(defaultServer).not.toContain('ssl_certificate');
    }
  });

  it('keeps keep-alive upstreams with resolve in one rendering and resolves per request in the other', () => {
    expect(resolve).toContain('server service-a:5000 resolve;');
    expect(resolve).toMatch(/upstream backend_service-a \{\s+zone backend_service-a 64k;/);
    expect(resolve).toContain('keepalive 64;');
    expect(resolve).toContain('http2 on;');
    expect(perRequest).not.toContain('upstream ');
    expect(perRequest).toContain('set $backend service-b;');
    expect(perRequest).toContain('proxy_pass http://$backend:5000;');
    expect(perRequest).not.toContain('http2 on;');
    for (const text of [resolve, perRequest]) {
      expect(text).toContain('resolver 127.0.0.11 valid=10s ipv6=off;');
      expect(text).toContain('proxy_read_timeout 90s;');
      expect(text).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
      expect(text).toContain('ssl_stapling off;');
      expect(text).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
      expect(text).toContain('proxy_set_header Upgrade $http_upgrade;');
      expect(text).toContain('error_page 502 503 504 =503 @unavailable;');
    }
  });

  it('sends HSTS only when proxy.hsts is on', () => {
    expect(resolve).not.toContain('Strict-Transport-Security');
    const hsts = renderNginxConf(seedConfig('manager', 'secrets', { proxy: { hsts: true } }), { rendering: 'per-request' });
    expect(hsts.match(/Strict-Transport-Security/g)).toHaveLength(3);
  });

  it('forwards ACME challenges to the support server only for http-01', () => {
    expect(resolve.match(/proxy_pass http:\/\/swarm-wiz-support;/g)).toHaveLength(3);
    const dns01 = renderNginxConf(
      seedConfig('manager', 'secrets', { certificates: { ...SEED_EXAMPLE.certificates, challenge: 'dns-01' } }),
      { rendering: 'per-request' },
    );
    expect(dns01).not.toContain('acme-challenge');
    expect(dns01).not.toContain('swarm-wiz-support');
  });

  it('serves a site and its aliases from one server, with its own certificate', () => {
    const config = seedConfig('manager', 'image', {
      sites: [{ ...SEED_EXAMPLE.sites[0]!, aliases: ['www.a.com'] }],
    });
    const text = renderNginxConf(config, { rendering: 'per-request' });
    expect(certificatePathsInText(text)).toEqual([
      { names: ['a.com', 'www.a.com'], chain: '/etc/nginx/ssl/a.com/fullchain.pem', key: '/etc/nginx/ssl/a.com/privkey.pem' },
    ]);
  });
});

describe('values that could break out of nginx syntax never reach the text', () => {
  it('rejects a domain carrying nginx syntax in the schema', () => {
    const attempt = () =>
      parseConfig({ ...SEED_EXAMPLE, sites: [{ ...SEED_EXAMPLE.sites[0]!, domain: 'a.com; return 200' }] });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/sites\[0\]\.domain/);
  });
});

describe('nginx -t with the exact rendered text (Debian nginx 1.22, and nginx 1.30 from Debian unstable)', () => {
  it.each(RENDERINGS)('$name (per-request rendering, as for a proxy image with nginx 1.22)', async ({ topology, delivery }) => {
    const files = renderProjectFiles(seedConfig(topology, delivery), { nginxVersion: '1.22.1' });
    const nginxConf = fileOf(files, 'proxy/nginx.conf');
    const result = await checkNginxConf({ nginxConf, files: certificateFilesFor(nginxConf), hosts: SUPPORT });
    expect(result.output).toContain('test is successful');
    expect(result.ok).toBe(true);
  });

  it('a punycode (IDN) domain with aliases renders and passes', async () => {
    const config = parseConfig({
      ...SEED_EXAMPLE,
      sites: [{ ...SEED_EXAMPLE.sites[0]!, domain: 'Bücher.example', aliases: ['www.bücher.example', 'xn--80ak6aa92e.com'] }],
    });
    const nginxConf = fileOf(renderProjectFiles(config, { nginxVersion: '1.22' }), 'proxy/nginx.conf');
    expect(nginxConf).toContain('server_name xn--bcher-kva.example www.xn--bcher-kva.example xn--80ak6aa92e.com;');
    const result = await checkNginxConf({ nginxConf, files: certificateFilesFor(nginxConf), hosts: SUPPORT });
    expect(result.output).toContain('test is successful');
  });

  it('the longest valid domain (253 characters) still lets nginx start', async () => {
    const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(longest).toHaveLength(253);
    const config = parseConfig({ ...SEED_EXAMPLE, sites: [{ ...SEED_EXAMPLE.sites[0]!, domain: longest }] });
    const nginxConf = fileOf(renderProjectFiles(config, { nginxVersion: '1.22.1' }), 'proxy/nginx.conf');
    expect(nginxConf).toContain('server_names_hash_bucket_size 512;');
    const files: Record<string, string> = {};
    for (const { chain, key } of certificatePathsInText(nginxConf)) {
      // A certificate's CN is limited to 64 characters; the name itself goes in subjectAltName.
      const cert = throwawayCertificate(['long.example', longest]);
      files[chain] = cert.certPem;
      files[key] = cert.keyPem;
    }
    const result = await checkNginxConf({ nginxConf, files, hosts: SUPPORT });
    expect(result.output).toContain('test is successful');
  });

  it('500 sites with an alias each: nginx 1.30 starts without a server_names_hash warning (the hash is sized for the names)', async () => {
    const newer = newerNginxRoot();
    const sites = Array.from({ length: 500 }, (_, i) => ({ domain: `site-${i + 1}.example-domain.test`, aliases: [`www.site-${i + 1}.example-domain.test`], service: { name: `service-${i + 1}`, image: 'ghcr.io/me/s:1', port: 5000 } }));
    const nginxConf = fileOf(renderProjectFiles(parseConfig({ ...SEED_EXAMPLE, sites })), 'proxy/nginx.conf');
    expect(nginxConf).toContain('server_names_hash_max_size 2048;');
    const cert = throwawayCertificate(['placeholder.test']);
    const files = Object.fromEntries(certificatePathsInText(nginxConf).flatMap(({ chain, key }) => [[chain, cert.certPem], [key, cert.keyPem]]));
    const result = await checkNginxConf({ nginxConf, files, hosts: SUPPORT, nginxRoot: newer.root });
    expect(result.output).toContain('test is successful');
    expect(result.output).not.toContain('server_names_hash');
  });

  it('a missing certificate file fails the test (the check can fail)', async () => {
    const nginxConf = fileOf(renderProjectFiles(seedConfig('manager', 'secrets'), { nginxVersion: '1.22.1' }), 'proxy/nginx.conf');
    const result = await checkNginxConf({ nginxConf, files: {}, hosts: SUPPORT });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('/run/secrets/a.com.crt');
  });

  it.each(RENDERINGS)('$name: the default upstream-resolve rendering on nginx >= 1.27.3 (Debian unstable)', async ({ topology, delivery }) => {
    const newer = newerNginxRoot();
    const files = renderProjectFiles(seedConfig(topology, delivery), { nginxVersion: newer.version });
    const nginxConf = fileOf(files, 'proxy/nginx.conf');
    expect(nginxConf).toBe(fileOf(renderProjectFiles(seedConfig(topology, delivery)), 'proxy/nginx.conf'));
    expect(nginxConf).toContain('server service-a:5000 resolve;');
    // No name of a service is resolvable here: with `resolve` nginx must start regardless.
    const result = await checkNginxConf({ nginxConf, files: certificateFilesFor(nginxConf), hosts: SUPPORT, nginxRoot: newer.root });
    expect(result.output).toContain('test is successful');
    expect(result.output).not.toContain('[warn]');
  });

  it('the upstream-resolve rendering: 1.22 rejects exactly its >= 1.27.3 feature; the rest of the text is valid on 1.22', async () => {
    const nginxConf = fileOf(renderProjectFiles(seedConfig('global-lb', 'secrets')), 'proxy/nginx.conf');
    const files = certificateFilesFor(nginxConf);
    const exact = await checkNginxConf({ nginxConf, files, hosts: SUPPORT });
    expect(exact.ok).toBe(false);
    expect(exact.output).toMatch(/invalid parameter "resolve"/);
    // Not the shipped text: the two newer features removed, to show nothing else in it is wrong.
    const without = nginxConf.replace(/ resolve;/g, ';').replace(/\n\s*http2 on;/g, '');
    const hosts = { ...SUPPORT, 'service-a:5000': SUPPORT['swarm-wiz-support:80'], 'service-b:5000': SUPPORT['swarm-wiz-support:80'], 'service-c:5000': SUPPORT['swarm-wiz-support:80'] };
    const rest = await checkNginxConf({ nginxConf: without, files, hosts });
    expect(rest.output).toContain('test is successful');
  });
});
