import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  overlayProbes,
  parseOverlayProbes,
  parsePortProbes,
  portProbes,
  PREFLIGHT_NGINX_CONF,
  preflightConfWrite,
  preflightContainerRemove,
  preflightContainerRun,
  preflightFilesRemove,
  preflightNetworkCreate,
  preflightNetworkRemove,
  type Command,
} from '../../src/commands/index.js';
import { checkNginxConf } from '../peers/nginx.js';
import { requireTool } from '../peers/tools.js';

const run = promisify(execFile);
const exec = async (command: Command) => (await run(command.argv[0]!, command.argv.slice(1), { timeout: 30_000 })).stdout;

describe('the swarm network preflight as argv data', () => {
  it('one attachable overlay network and one labelled nginx container per node, nothing published on a host port', () => {
    expect(preflightNetworkCreate('demo').argv).toEqual(['docker', 'network', 'create', '--driver', 'overlay', '--attachable', '--label', 'swarm-wiz.preflight=demo', 'swarm-wiz-preflight-demo']);
    expect(preflightNetworkRemove('demo').argv).toEqual(['docker', 'network', 'rm', 'swarm-wiz-preflight-demo']);
    const started = preflightContainerRun({ project: 'demo', index: 1, image: 'nginx:1.30-alpine', projectDir: '/srv/swarm-wiz/demo' }).argv;
    expect(started).toEqual([
      'docker', 'run', '--detach', '--name', 'swarm-wiz-preflight-demo-2', '--hostname', 'swarm-wiz-preflight-demo-2', '--network', 'swarm-wiz-preflight-demo',
      '--label', 'swarm-wiz.preflight=demo',
      '--volume', '/srv/swarm-wiz/demo/preflight-nginx.conf:/etc/swarm-wiz-preflight.conf:ro',
      '--volume', '/srv/swarm-wiz/demo/preflight:/run/swarm-wiz-preflight',
      'nginx:1.30-alpine', 'nginx', '-c', '/etc/swarm-wiz-preflight.conf', '-g', 'daemon off;',
    ]);
    expect(started).not.toContain('--publish');
    expect(preflightContainerRemove('demo', 0).argv).toEqual(['docker', 'rm', '--force', 'swarm-wiz-preflight-demo-1']);
    expect(preflightFilesRemove('/srv/swarm-wiz/demo').argv).toEqual(['rm', '-rf', '--', '/srv/swarm-wiz/demo/preflight', '/srv/swarm-wiz/demo/preflight-nginx.conf']);
    expect(preflightConfWrite('/srv/swarm-wiz/demo')).toMatchObject({ argv: ['dd', 'of=/srv/swarm-wiz/demo/preflight-nginx.conf', 'status=none'], stdin: PREFLIGHT_NGINX_CONF });
  });

  it('the probes get every value as an argument after a fixed program; anything but an IP address is refused', () => {
    const probes = portProbes([{ protocol: 'tcp', address: '10.110.0.11', port: 2377 }, { protocol: 'udp', address: '10.110.0.21', port: 7946 }]);
    expect(probes.argv.slice(0, 2)).toEqual(['python3', '-c']);
    expect(probes.argv.slice(3)).toEqual(['tcp/2377/10.110.0.11', 'udp/7946/10.110.0.21']);
    expect(() => portProbes([{ protocol: 'tcp', address: '10.0.0.1; rm -rf /', port: 1 }])).toThrow(/not an IP address/);
    expect(() => portProbes([{ protocol: 'tcp', address: '10.0.0.1', port: 70000 }])).toThrow(/not a port/);
    const overlay = overlayProbes({ projectDir: '/srv/swarm-wiz/demo', project: 'demo', peers: [0, 2], timeoutSeconds: 20 });
    expect(overlay.argv.slice(3)).toEqual(['/srv/swarm-wiz/demo/preflight/relay.sock', '20', 'swarm-wiz-preflight', 'swarm-wiz-preflight-demo-1', 'swarm-wiz-preflight-demo-3']);
  });

  it('parses what the probes print', () => {
    const ports = parsePortProbes('{"probe": "tcp/7946/10.0.0.2", "result": "open"}\n{"probe": "udp/7946/10.0.0.2", "result": "not refused"}\n{"probe": "tcp/2377/10.0.0.3", "result": "timed out"}\n');
    expect(ports).toEqual([
      { protocol: 'tcp', port: 7946, address: '10.0.0.2', result: 'open', reachable: true },
      { protocol: 'udp', port: 7946, address: '10.0.0.2', result: 'not refused', reachable: true },
      { protocol: 'tcp', port: 2377, address: '10.0.0.3', result: 'timed out', reachable: false },
    ]);
    expect(parseOverlayProbes('{"peer": "swarm-wiz-preflight-demo-2", "result": "HTTP 504"}\n')).toEqual([{ peer: 'swarm-wiz-preflight-demo-2', result: 'HTTP 504' }]);
  });
});

describe('the preflight programs, run for real on loopback', () => {
  it('the port probe tells an open TCP port from a refused one, and a refused UDP port from a silent one', async () => {
    requireTool('python3', ['python3', '--version'], 'the network preflight probes');
    const tcp = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const closedTcp = createServer();
    await new Promise<void>((resolve) => closedTcp.listen(0, '127.0.0.1', resolve));
    const closedPort = (closedTcp.address() as AddressInfo).port;
    await new Promise((resolve) => closedTcp.close(resolve));
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const closedUdp = createSocket('udp4');
    await new Promise<void>((resolve) => closedUdp.bind(0, '127.0.0.1', resolve));
    const closedUdpPort = closedUdp.address().port;
    await new Promise<void>((resolve) => closedUdp.close(resolve));
    try {
      const output = await exec(
        portProbes([
          { protocol: 'tcp', address: '127.0.0.1', port: (tcp.address() as AddressInfo).port },
          { protocol: 'tcp', address: '127.0.0.1', port: closedPort },
          { protocol: 'udp', address: '127.0.0.1', port: udp.address().port },
          { protocol: 'udp', address: '127.0.0.1', port: closedUdpPort },
        ]),
      );
      expect(parsePortProbes(output).map((result) => `${result.protocol} ${result.result}`)).toEqual(['tcp open', 'tcp refused', 'udp not refused', 'udp refused']);
    } finally {
      tcp.close();
      udp.close();
    }
  });

  it('the overlay probe asks through the unix socket, retries until the deadline and accepts only the named peer\'s answer', async () => {
    requireTool('python3', ['python3', '--version'], 'the network preflight probes');
    const dir = await mkdtemp(join(tmpdir(), 'swz-preflight-'));
    let asked = 0;
    // Stands in for the node's own preflight nginx: peer 2 answers on the second try, peer 3 times out (504), peer 4 answers as someone else.
    const server = createHttpServer((request, response) => {
      const peer = request.url?.replace(/^\/to\//, '') ?? '';
      if (peer.endsWith('-2')) {
        asked += 1;
        if (asked < 2) return response.writeHead(502).end('bad gateway');
        return response.writeHead(200).end(`swarm-wiz-preflight ${peer}\n`);
      }
      if (peer.endsWith('-3')) return response.writeHead(504).end('gateway timeout');
      return response.writeHead(200).end('swarm-wiz-preflight someone-else\n');
    });
    try {
      await run('mkdir', ['-p', join(dir, 'preflight')]);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(join(dir, 'preflight', 'relay.sock'), resolve);
      });
      const started = Date.now();
      const output = await exec(overlayProbes({ projectDir: dir, project: 'demo', peers: [1, 2, 3], timeoutSeconds: 2 }));
      expect(parseOverlayProbes(output)).toEqual([
        { peer: 'swarm-wiz-preflight-demo-2', result: 'ok' },
        { peer: 'swarm-wiz-preflight-demo-3', result: 'HTTP 504' },
        { peer: 'swarm-wiz-preflight-demo-4', result: 'HTTP 200' },
      ]);
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('its nginx.conf passes nginx -t', async () => {
    // The socket's folder is the bind-mounted one in the container.
    const result = await checkNginxConf({ nginxConf: PREFLIGHT_NGINX_CONF, files: { '/run/swarm-wiz-preflight/.keep': '' } });
    expect(result.output).not.toMatch(/emerg/);
    expect(result.ok, result.output).toBe(true);
  });
});
