import { chmod, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerCliOnPath, dockerEngineAnswers } from '../../src/adapters/docker-engine.js';
import { tempDir } from '../support/files.js';

// Whether `apply --target local` could run here, asked with node:http and the file system only.

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A stand-in engine on a unix socket answering /_ping with `status` and `body`. */
async function engine(status: number, body: string): Promise<string> {
  const socket = join(await tempDir('engine'), 'docker.sock');
  const server = createServer((request, response) => {
    response.writeHead(request.url === '/_ping' ? status : 404, { 'content-type': 'text/plain' });
    response.end(request.url === '/_ping' ? body : 'page not found');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return socket;
}

describe('dockerEngineAnswers', () => {
  it('true when GET /_ping on DOCKER_HOST answers OK', async () => {
    expect(await dockerEngineAnswers({ DOCKER_HOST: `unix://${await engine(200, 'OK')}` })).toBe(true);
  });

  it('false for a socket nobody listens on, an error answer, or an engine it does not ask (TLS, ssh)', async () => {
    expect(await dockerEngineAnswers({ DOCKER_HOST: `unix://${join(await tempDir('engine'), 'none.sock')}` })).toBe(false);
    expect(await dockerEngineAnswers({ DOCKER_HOST: `unix://${await engine(500, 'OK')}` })).toBe(false);
    expect(await dockerEngineAnswers({ DOCKER_HOST: `unix://${await engine(200, 'not docker')}` })).toBe(false);
    expect(await dockerEngineAnswers({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1' })).toBe(false);
    expect(await dockerEngineAnswers({ DOCKER_HOST: 'ssh://me@host' })).toBe(false);
  });

  it('gives up after the timeout when the engine never answers', async () => {
    const socket = join(await tempDir('engine'), 'silent.sock');
    const server = createServer(() => undefined);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const started = Date.now();
    expect(await dockerEngineAnswers({ DOCKER_HOST: `unix://${socket}` }, 200)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    server.closeAllConnections();
  });
});

describe('dockerCliOnPath', () => {
  it('finds an executable docker on PATH, and only an executable one', async () => {
    const bin = await tempDir('bin');
    expect(await dockerCliOnPath({ PATH: bin })).toBe(false);
    await writeFile(join(bin, 'docker'), '#!/bin/sh\n');
    expect(await dockerCliOnPath({ PATH: `/nonexistent:${bin}` })).toBe(false);
    await chmod(join(bin, 'docker'), 0o755);
    expect(await dockerCliOnPath({ PATH: `/nonexistent:${bin}` })).toBe(true);
  });
});
