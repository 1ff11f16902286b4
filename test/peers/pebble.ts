import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { generateCertificate, type PemPair } from '../../src/certs/x509-generate.js';
import { httpsGet, httpsRequest } from '../support/https.js';
import { freePort } from '../support/net.js';

/**
 * Let's Encrypt's test CA on loopback: `pebble` (ACME server, validating for real) plus
 * `pebble-challtestsrv` as the DNS server Pebble asks (A records for every name → 127.0.0.1,
 * TXT records set by the test for dns-01). Fails, never skips, when a binary is missing.
 */
export interface PebblePeer {
  /** ACME directory URL (https, trusted through `listenerCaPem`), on `listenHost`. */
  directoryUrl: string;
  /** Pebble's management API (https, same listener CA), always on 127.0.0.1 of the namespace Pebble runs in. */
  managementUrl: string;
  /** CA that signed Pebble's own listener certificate (what a client must trust to talk to Pebble). */
  listenerCaPem: string;
  /** An https agent trusting Pebble's listener. */
  agent: Agent;
  /** Pebble's root for the certificates it issues (from the management API). */
  issuingRootPem(): Promise<string>;
  /** `127.0.0.1:PORT` of challtestsrv's DNS server. */
  dnsServer: string;
  /** The port Pebble connects to for http-01. */
  httpPort: number;
  challtestsrv: ChallTestSrv;
  /** Writes a listener certificate signed by the same CA (for a fault-injecting proxy in front of Pebble). */
  listenerCertificate(): PemPair;
  /** What Pebble printed so far (stdout and stderr), e.g. its "ARI: order … is a replacement of …" lines. */
  log(): string;
  /** Pebble 2.10's management API: the renewalInfo answer for a certificate it issued (any text, served as is). */
  setRenewalInfo(certificatePem: string, ariResponse: string): Promise<void>;
  stop(): Promise<void>;
}

/** Where test/peers/install.sh unpacks Debian unstable's pebble 2.10 (ARI, profiles). */
export const UNSTABLE_PEBBLE_BIN = '/opt/swarm-wiz-test/pebble-unstable/usr/bin';

/** An order profile as Pebble 2.10's config takes it (validityPeriod in seconds). */
export interface PebbleProfile {
  description: string;
  validityPeriod: number;
}

/** The profiles an unstable Pebble offers by default: Let's Encrypt's classic 90 days and its 160-hour `shortlived`. */
export const DEFAULT_PEBBLE_PROFILES: Record<string, PebbleProfile> = {
  default: { description: 'classic: 90 days', validityPeriod: 90 * 86_400 },
  shortlived: { description: 'short-lived: 160 hours', validityPeriod: 160 * 3600 },
};

export interface ChallTestSrv {
  setTxt(host: string, value: string): Promise<void>;
  clearTxt(host: string): Promise<void>;
  addA(host: string, addresses: string[]): Promise<void>;
  clearA(host: string): Promise<void>;
  addAaaa(host: string, addresses: string[]): Promise<void>;
  clearAaaa(host: string): Promise<void>;
}

async function requireBinary(name: string): Promise<string> {
  const found = await execa('sh', ['-c', 'command -v "$1"', 'sh', name], { reject: false });
  if (found.exitCode !== 0 || found.stdout.trim() === '') {
    throw new Error(`${name} is not installed: the certificate tests need Debian's "pebble" package (apt-get install pebble; test/peers/install.sh does it)`);
  }
  return found.stdout.trim();
}

async function requireUnstableBinary(name: string): Promise<string> {
  const path = join(UNSTABLE_PEBBLE_BIN, name);
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing: the ARI/profile tests need Pebble 2.10 from Debian unstable (run test/peers/install.sh as root; it unpacks the "pebble" package there)`);
  }
  return path;
}

async function httpPost(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`challtestsrv ${url} answered ${response.status}: ${await response.text()}`);
}

async function waitFor(what: string, check: () => Promise<boolean>, process: ResultPromise, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void process.then(
    () => (exited = true),
    () => (exited = true),
  );
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} exited during start-up`);
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

/**
 * Starts challtestsrv and Pebble on free loopback ports. `httpPort` is where Pebble validates
 * http-01 (make it the port of the loopback nginx).
 */
export async function startPebble(options: {
  httpPort: number;
  /** challtestsrv's DNS port (default: a free one). */
  dnsPort?: number;
  /** The A record challtestsrv answers for a name it has no record of (default 127.0.0.1). */
  defaultIPv4?: string;
  /** Pebble 2.10 from Debian unstable (ARI, profiles; see install.sh) instead of the system's 2.4. Fails when missing. */
  unstable?: boolean;
  /** With `unstable`: the profiles it offers (default DEFAULT_PEBBLE_PROFILES). */
  profiles?: Record<string, PebbleProfile>;
  /**
   * The IPv4 address the ACME listener binds to (default 127.0.0.1); the listener certificate names it
   * too, and Pebble's directory URLs follow the Host a client asked for. Management stays on 127.0.0.1.
   */
  listenHost?: string;
}): Promise<PebblePeer> {
  const listenHost = options.listenHost ?? '127.0.0.1';
  const pebbleBin = options.unstable ? await requireUnstableBinary('pebble') : await requireBinary('pebble');
  const challBin = options.unstable ? await requireUnstableBinary('pebble-challtestsrv') : await requireBinary('pebble-challtestsrv');
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-pebble-'));
  const now = Date.now();
  const ca = await generateCertificate({ names: [], commonName: 'swarm-wiz test listener CA', isCa: true, notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
  const listener = await generateCertificate({ names: ['localhost', 'ip:127.0.0.1', ...(listenHost === '127.0.0.1' ? [] : [`ip:${listenHost}`])], issuer: ca, notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
  await writeFile(join(dir, 'cert.pem'), listener.certPem);
  await writeFile(join(dir, 'key.pem'), listener.keyPem, { mode: 0o600 });

  const [acmePort, mgmtPort, dnsPort, challMgmtPort, tlsPort] = [await freePort(), await freePort(), options.dnsPort ?? (await freePort()), await freePort(), await freePort()];
  const configPath = join(dir, 'pebble-config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      pebble: {
        listenAddress: `${listenHost}:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: options.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(options.unstable ? { profiles: options.profiles ?? DEFAULT_PEBBLE_PROFILES } : {}),
      },
    }),
  );

  const children: ResultPromise[] = [];
  const stop = async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.allSettled(children);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const chall = execa(
      challBin,
      [
        '-defaultIPv4',
        options.defaultIPv4 ?? '127.0.0.1',
        '-defaultIPv6',
        '',
        // The newer challtestsrv names its DNS flag -dnsserver and also serves DoH on :8443 unless told not to.
        ...(options.unstable ? ['-dnsserver', `127.0.0.1:${dnsPort}`, '-doh', ''] : ['-dns01', `127.0.0.1:${dnsPort}`]),
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-management',
        `127.0.0.1:${challMgmtPort}`,
      ],
      { reject: false, stdio: 'ignore' },
    );
    children.push(chall);
    const challUrl = `http://127.0.0.1:${challMgmtPort}`;
    await waitFor('pebble-challtestsrv', async () => (await fetch(`${challUrl}/clear-txt`, { method: 'POST', body: '{"host":"ready.test."}' })).ok, chall);

    const env: NodeJS.ProcessEnv = { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' };
    delete env.PEBBLE_VA_ALWAYS_VALID;
    const pebble = execa(pebbleBin, ['-config', configPath, '-dnsserver', `127.0.0.1:${dnsPort}`], { reject: false, env, extendEnv: false, stdin: 'ignore', buffer: false, all: true });
    children.push(pebble);
    let log = '';
    pebble.all?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const agent = new Agent({ ca: ca.certPem, keepAlive: false });
    const toPebble = { agent, timeoutMs: 2000, headers: { 'user-agent': 'swarm-wiz-test' } };
    const directoryUrl = `https://${listenHost}:${acmePort}/dir`;
    const managementUrl = `https://127.0.0.1:${mgmtPort}`;
    await waitFor('pebble', async () => (await httpsGet(directoryUrl, toPebble)).status === 200, pebble).catch((error: Error) => {
      throw new Error(`${error.message}; it said: ${log.slice(-2000)}`);
    });

    const fqdn = (host: string) => (host.endsWith('.') ? host : `${host}.`);
    return {
      directoryUrl,
      managementUrl,
      listenerCaPem: ca.certPem,
      agent,
      dnsServer: `127.0.0.1:${dnsPort}`,
      httpPort: options.httpPort,
      listenerCertificate: () => listener,
      log: () => log,
      setRenewalInfo: async (certificatePem, ariResponse) => {
        const answer = await httpsRequest(`${managementUrl}/set-renewal-info/`, { ...toPebble, method: 'POST', body: JSON.stringify({ Certificate: certificatePem, ARIResponse: ariResponse }) });
        if (answer.status !== 200) throw new Error(`pebble /set-renewal-info/ answered ${answer.status}: ${answer.body}`);
      },
      issuingRootPem: async () => {
        const root = await httpsGet(`${managementUrl}/roots/0`, toPebble);
        if (root.status !== 200) throw new Error(`pebble /roots/0 answered ${root.status}`);
        return root.body;
      },
      challtestsrv: {
        setTxt: (host, value) => httpPost(`${challUrl}/set-txt`, { host: fqdn(host), value }),
        clearTxt: (host) => httpPost(`${challUrl}/clear-txt`, { host: fqdn(host) }),
        addA: (host, addresses) => httpPost(`${challUrl}/add-a`, { host: fqdn(host), addresses }),
        clearA: (host) => httpPost(`${challUrl}/clear-a`, { host: fqdn(host) }),
        addAaaa: (host, addresses) => httpPost(`${challUrl}/add-aaaa`, { host: fqdn(host), addresses }),
        clearAaaa: (host) => httpPost(`${challUrl}/clear-aaaa`, { host: fqdn(host) }),
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
