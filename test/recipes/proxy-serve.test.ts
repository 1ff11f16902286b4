import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderProjectFiles } from '../../recipes/index.js';
import type { Delivery } from '../../src/config/index.js';
import { newerNginxRoot, startProxy, type RunningProxy } from '../peers/nginx.js';
import { httpsGet } from '../support/https.js';
import { certificateFilesFor, fileOf, seedConfig } from './fixtures.js';

/**
 * The generated nginx.conf (exact text, per-request rendering for this machine's nginx 1.22) serving for
 * real: service-a and service-c up, service-b scaled to 0 (its name does not resolve, as with dnsrr),
 * and a fourth name that resolves to a port where nothing listens.
 */

function listenOn(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function backend(name: string): Server {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ service: name, url: req.url, headers: req.headers }));
  });
  server.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (data: Buffer) => socket.write(`${name} echoes ${data.toString()}`));
    socket.on('end', () => socket.end());
  });
  return server;
}

/** GET https://<servername>:<port><path> from nginx on 127.0.0.1, whatever certificate it shows (the tests look at it). */
const get = (port: number, servername: string, path = '/') => httpsGet(`https://${servername}:${port}${path}`, { resolve: '127.0.0.1', anyCertificate: true });

/** Raw HTTP over TCP: what a client without (or with any) Host header gets, including nothing at all. */
function rawHttp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => socket.write(text));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

function tlsHandshake(port: number, servername: string | undefined): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ...(servername ? { servername } : {}), rejectUnauthorized: false }, () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.on('error', (error) => resolve({ ok: false, error: error.message }));
  });
}

function websocketThroughProxy(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1',
      port,
      servername,
      path: '/ws',
      headers: { host: servername, connection: 'Upgrade', upgrade: 'websocket' },
      rejectUnauthorized: false,
      agent: false,
    });
    req.on('upgrade', (_res, socket) => {
      socket.on('data', (data: Buffer) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.write('ping');
    });
    req.on('response', (res) => reject(new Error(`no upgrade, status ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

describe.each<{ delivery: Delivery; hsts: boolean; nginx: 'debian-1.22' | 'newer' }>([
  { delivery: 'secrets', hsts: false, nginx: 'debian-1.22' },
  { delivery: 'image', hsts: true, nginx: 'debian-1.22' },
  { delivery: 'secrets', hsts: false, nginx: 'newer' },
])('the generated proxy on real nginx (delivery: $delivery, hsts: $hsts, nginx: $nginx)', ({ delivery, hsts, nginx }) => {
  const servers: Server[] = [];
  let proxy: RunningProxy;
  let supportRequests: { url: string | undefined; host: string | undefined }[];
  let connectionsToA = 0;
  // This machine's nginx gets the per-request rendering; the newer one (>= 1.27.3) the default, upstream-resolve.
  const newer = nginx === 'newer' ? newerNginxRoot() : undefined;
  const expectedRendering = newer ? 'upstream-resolve' : 'per-request';

  beforeAll(async () => {
    const config = seedConfig('global-lb', delivery, { proxy: { hsts } });
    const nginxConf = fileOf(renderProjectFiles(config, { nginxVersion: newer?.version ?? '1.22.1' }), 'proxy/nginx.conf');
    expect(nginxConf).toContain(`# Rendering: ${expectedRendering} `);
    const files = certificateFilesFor(nginxConf);
    supportRequests = [];
    const support = createServer((req, res) => {
      supportRequests.push({ url: req.url, host: req.headers.host });
      res.end(`token from the support server for ${req.url}`);
    });
    const a = backend('service-a');
    a.on('connection', () => connectionsToA++);
    const c = backend('service-c');
    servers.push(support, a, c);
    const [supportPort, aPort, cPort] = await Promise.all([listenOn(support), listenOn(a), listenOn(c)]);
    proxy = await startProxy({
      nginxConf,
      files,
      services: {
        'service-a:5000': { host: '127.0.0.1', port: aPort },
        'service-b:5000': null,
        'service-c:5000': { host: '127.0.0.1', port: cPort },
      },
      hosts: { 'swarm-wiz-support:80': { host: '127.0.0.1', port: supportPort } },
      ...(newer ? { nginxRoot: newer.root } : {}),
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('routes HTTPS by SNI to the right backend with that domain\'s certificate and X-Forwarded-* headers', async () => {
    for (const [domain, service] of [['a.com', 'service-a'], ['c.com', 'service-c']] as const) {
      const reply = await get(proxy.httpsPort, domain, '/some/path?q=1');
      expect(reply.status).toBe(200);
      const body = JSON.parse(reply.body) as { service: string; url: string; headers: Record<string, string> };
      expect(body.service).toBe(service);
      expect(body.url).toBe('/some/path?q=1');
      expect(body.headers.host).toBe(domain);
      expect(body.headers['x-forwarded-proto']).toBe('https');
      expect(body.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(body.headers['x-forwarded-host']).toBe(domain);
      expect(reply.certificate?.subjectaltname).toBe(`DNS:${domain}`);
      if (hsts) expect(reply.headers['strict-transport-security']).toBe('max-age=63072000');
      else expect(reply.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('gives a scaled-to-zero service a 503 page while nginx keeps serving the other domains', async () => {
    const down = await get(proxy.httpsPort, 'b.com');
    expect(down.status).toBe(503);
    expect(down.body).toContain('temporarily unavailable');
    expect(down.headers['retry-after']).toBe('30');
    expect(down.certificate?.subjectaltname).toBe('DNS:b.com');
    expect((await get(proxy.httpsPort, 'a.com')).status).toBe(200);
  });

  it('refuses the TLS handshake for an unknown name and for no SNI: no certificate is shown', async () => {
    const unknown = await tlsHandshake(proxy.httpsPort, 'evil.example');
    expect(unknown.ok).toBe(false);
    expect(unknown.error).toMatch(/alert|handshake/i);
    expect((await tlsHandshake(proxy.httpsPort, undefined)).ok).toBe(false);
    expect((await tlsHandshake(proxy.httpsPort, 'a.com')).ok).toBe(true);
  });

  it('closes plain-HTTP connections for an unknown Host without an answer', async () => {
    expect(await rawHttp(proxy.httpPort, 'GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n')).toBe('');
  });

  it('answers the health endpoint without a Host header, and with any Host', async () => {
    const noHost = await rawHttp(proxy.httpPort, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(noHost).toMatch(/^HTTP\/1\.1 200 /);
    expect(noHost).toMatch(/\r\n\r\nok\n$/);
    const ipHost = await rawHttp(proxy.httpPort, 'GET /healthz HTTP/1.1\r\nHost: 10.0.0.7\r\nConnection: close\r\n\r\n');
    expect(ipHost).toMatch(/^HTTP\/1\.1 200 /);
    const siteHost = await rawHttp(proxy.httpPort, 'GET /healthz HTTP/1.1\r\nHost: a.com\r\nConnection: close\r\n\r\n');
    expect(siteHost).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('redirects HTTP to HTTPS on the requested host', async () => {
    const reply = await rawHttp(proxy.httpPort, 'GET /x?y=1 HTTP/1.1\r\nHost: c.com\r\nConnection: close\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 301 /);
    expect(reply).toContain('Location: https://c.com/x?y=1\r\n');
  });

  it('forwards /.well-known/acme-challenge/ to the support server, also for a domain whose service is down', async () => {
    for (const domain of ['a.com', 'b.com']) {
      const reply = await rawHttp(proxy.httpPort, `GET /.well-known/acme-challenge/tok-${domain} HTTP/1.1\r\nHost: ${domain}\r\nConnection: close\r\n\r\n`);
      expect(reply).toMatch(/^HTTP\/1\.1 200 /);
      expect(reply).toContain(`token from the support server for /.well-known/acme-challenge/tok-${domain}`);
    }
    expect(supportRequests).toEqual([
      { url: '/.well-known/acme-challenge/tok-a.com', host: 'a.com' },
      { url: '/.well-known/acme-challenge/tok-b.com', host: 'b.com' },
    ]);
  });

  it("compose's proxy health check passes against this nginx, and fails when nginx is not there", async () => {
    const compose = YAML.parse(fileOf(renderProjectFiles(seedConfig('global-lb', delivery)), 'docker-compose.yml')) as {
      services: { proxy: { healthcheck: { test: string[] } } };
    };
    const [kind, command] = compose.services.proxy.healthcheck.test;
    expect(kind).toBe('CMD-SHELL');
    const healthy = await proxy.exec(['sh', '-c', command!]);
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
    const wrongPort = await proxy.exec(['sh', '-c', command!.replaceAll('127.0.0.1/', '127.0.0.1:81/')]);
    expect(wrongPort.code).not.toBe(0);
  });

  it(`${expectedRendering === 'upstream-resolve' ? 'keeps' : 'does not keep'} backend connections alive between requests`, async () => {
    await get(proxy.httpsPort, 'a.com');
    const before = connectionsToA;
    for (let i = 0; i < 5; i++) expect((await get(proxy.httpsPort, 'a.com')).status).toBe(200);
    const opened = connectionsToA - before;
    // upstream keepalive: the 5 requests reuse pooled connections (one per worker at most);
    // per-request resolution: a new backend connection for every request.
    if (expectedRendering === 'upstream-resolve') expect(opened).toBeLessThanOrEqual(2);
    else expect(opened).toBe(5);
  });

  it('passes a WebSocket upgrade through to the backend', async () => {
    expect(await websocketThroughProxy(proxy.httpsPort, 'a.com')).toBe('service-a echoes ping');
  });
});

describe('a backend whose name resolves but nothing listens (task stopping, VIP without tasks)', () => {
  it('gets the 503 page, nginx keeps running', async () => {
    const config = seedConfig('manager', 'secrets', {});
    const nginxConf = fileOf(renderProjectFiles(config, { nginxVersion: '1.22.1' }), 'proxy/nginx.conf');
    const files = certificateFilesFor(nginxConf);
    const closed = createServer();
    const closedPort = await listenOn(closed);
    await new Promise((resolve) => closed.close(resolve));
    const a = backend('service-a');
    const aPort = await listenOn(a);
    const proxy = await startProxy({
      nginxConf,
      files,
      services: {
        'service-a:5000': { host: '127.0.0.1', port: aPort },
        'service-b:5000': { host: '127.0.0.1', port: closedPort },
        'service-c:5000': null,
      },
      hosts: { 'swarm-wiz-support:80': { host: '127.0.0.1', port: closedPort } },
    });
    try {
      expect((await get(proxy.httpsPort, 'b.com')).status).toBe(503);
      expect((await get(proxy.httpsPort, 'c.com')).status).toBe(503);
      expect((await get(proxy.httpsPort, 'a.com')).status).toBe(200);
    } finally {
      await proxy.stop();
      await new Promise((resolve) => a.close(resolve));
    }
  });
});
