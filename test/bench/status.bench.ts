import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';
import { runCli } from '../../src/cli/run-cli.js';
import { parseConfig, saveConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { testIo } from '../cli/test-io.js';
import { median, type Figure } from './figures.js';

/**
 * `swarm-wiz status --json` for 50 domains × 3 entry addresses on 127.0.0.1: two live HTTPS entries
 * (each serving every domain's stored certificate by SNI, 200) and one dead one (accepts TCP and never
 * answers). 150 probes; the whole must end within the probe limit + 1 s.
 */
const DOMAINS = 50;
const TIMEOUT_S = 2;
const ROUNDS = 3;

const portOf = (server: Server | HttpsServer): number => {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
};

export default async function statusBench(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'swz-bench-status-'));
  const held: Socket[] = [];
  const servers: (Server | HttpsServer)[] = [];
  try {
    const domains = Array.from({ length: DOMAINS }, (_, i) => `d${i + 1}.test`);
    const config = parseConfig({
      ...SEED_EXAMPLE,
      sites: domains.map((domain, i) => ({ domain, service: { name: `service-${i + 1}`, image: 'ghcr.io/me/s:1', port: 5000 } })),
      certificates: { ...SEED_EXAMPLE.certificates, email: 'ops@d1.test' },
    });
    await saveConfig(join(dir, 'swarm-wiz.yaml'), config);
    const store = new CertificateStore(dir);
    const contexts = new Map<string, SecureContext>();
    const now = Date.now();
    for (const domain of domains) {
      const cert = await generateCertificate({ names: [domain], notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 60 * 86_400_000) });
      await store.save(domain, cert.keyPem, cert.certPem);
      contexts.set(domain, createSecureContext({ key: cert.keyPem, cert: cert.certPem }));
    }
    const first = await generateCertificate({ names: [domains[0]!], notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 60 * 86_400_000) });
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const live = createHttpsServer({ key: first.keyPem, cert: first.certPem, SNICallback: (name, done) => done(null, contexts.get(name)) }, (_req, res) => res.writeHead(200).end('hello\n'));
      await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve));
      servers.push(live);
      ports.push(portOf(live));
    }
    const blackHole = createTcpServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    servers.push(blackHole);
    ports.push(portOf(blackHole));

    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const run = testIo({ cwd: dir });
      const started = performance.now();
      const code = await runCli(['status', '--json', '--dir', dir, '--timeout', String(TIMEOUT_S), ...ports.flatMap((port) => ['--entry', `127.0.0.1:${port}`])], run.io);
      times.push((performance.now() - started) / 1000);
      const json = JSON.parse(run.stdout()) as { served: { state: string; port: number }[] };
      const ok = json.served.filter((row) => row.state === 'ok').length;
      const down = json.served.filter((row) => row.state === 'down' && row.port === ports[2]).length;
      if (code !== 1 || ok !== 2 * DOMAINS || down !== DOMAINS) throw new Error(`status round ${round}: exit ${code}, ${ok} ok and ${down} down of ${json.served.length} rows; expected exit 1, ${2 * DOMAINS} ok, ${DOMAINS} down`);
    }
    return [
      {
        name: `status --json: ${DOMAINS} domains × 3 entries, one entry dead (silent)`,
        value: median(times),
        unit: 's',
        target: { text: `≤ probe timeout + 1 s (${TIMEOUT_S + 1} s)`, on: 'value', comparator: '<=', limit: TIMEOUT_S + 1 },
        note: `--timeout ${TIMEOUT_S}; ${3 * DOMAINS} probes (TLS + GET /) on 127.0.0.1, in process; median of ${ROUNDS}, max ${Math.max(...times).toFixed(2)} s`,
      },
    ];
  } finally {
    for (const socket of held) socket.destroy();
    for (const server of servers) {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await rm(dir, { recursive: true, force: true });
  }
}
