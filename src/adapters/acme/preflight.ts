import { request } from 'node:http';
import type { AuthoritativeTxt } from '../dns/authoritative-txt.js';
import { dnsChallengeName, httpChallengePath, type ChallengePreflight, type PresentedChallenge } from './challenge-responder.js';
import { PreflightError } from './errors.js';

/** Where a name's HTTP traffic enters: each proxy replica (or the load balancer). */
export interface EntryPoint {
  address: string;
  port: number;
}

export type EntryPoints = (identifier: string) => Promise<EntryPoint[]>;

interface Fetched {
  status: number;
  body: string;
}

function fetchThrough(entry: EntryPoint, host: string, path: string, timeoutMs: number): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request({ host: entry.address, port: entry.port, path, method: 'GET', headers: { Host: host, 'User-Agent': 'swarm-wiz preflight' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * http-01 preflight: fetches the token through every entry point with the right Host header, as
 * the CA will, and requires the exact key authorization from each (any replica may get the CA's
 * request). A few short retries cover a webroot that is synced a moment later.
 */
export function httpPreflight(entryPoints: EntryPoints, options: { timeoutMs?: number; attempts?: number; retryMs?: number } = {}): ChallengePreflight {
  const timeoutMs = options.timeoutMs ?? 5000;
  const attempts = options.attempts ?? 3;
  const retryMs = options.retryMs ?? 1000;
  return {
    async check(challenge: PresentedChallenge) {
      const entries = await entryPoints(challenge.identifier).catch((error: unknown) => {
        throw new PreflightError(challenge.identifier, 'http-01', `cannot find where ${challenge.identifier} enters: ${(error as Error).message}`);
      });
      if (entries.length === 0) throw new PreflightError(challenge.identifier, 'http-01', `${challenge.identifier} has no entry address (no A record)`);
      const path = httpChallengePath(challenge.token);
      await Promise.all(
        entries.map(async (entry) => {
          let problem = '';
          for (let attempt = 1; attempt <= attempts; attempt++) {
            try {
              const answer = await fetchThrough(entry, challenge.identifier, path, timeoutMs);
              if (answer.status === 200 && answer.body.trim() === challenge.keyAuthorization) return;
              problem = answer.status === 200 ? `answered 200 with other content (${JSON.stringify(answer.body.slice(0, 60))})` : `answered HTTP ${answer.status}`;
            } catch (error) {
              problem = (error as Error).message;
            }
            if (attempt < attempts) await sleep(retryMs);
          }
          const where = entry.address.includes(':') ? `[${entry.address}]:${entry.port} (IPv6, which the CA tries first)` : `${entry.address}:${entry.port}`;
          throw new PreflightError(challenge.identifier, 'http-01', `http://${challenge.identifier}${path} through ${where} ${problem}`);
        }),
      );
    },
  };
}

/**
 * dns-01 preflight: waits until every authoritative server answers the TXT value (DigitalOcean
 * takes seconds to a minute to publish), then lets the CA look. Stops with the values it saw.
 */
export function dnsPreflight(dns: AuthoritativeTxt, options: { timeoutMs?: number; pollMs?: number } = {}): ChallengePreflight {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollMs = options.pollMs ?? 2000;
  return {
    async check(challenge: PresentedChallenge) {
      const name = dnsChallengeName(challenge.identifier);
      const servers = await dns.serversFor(name).catch((error: unknown) => {
        throw new PreflightError(challenge.identifier, 'dns-01', (error as Error).message);
      });
      const deadline = Date.now() + timeoutMs;
      const missing = new Map<string, string>();
      for (;;) {
        missing.clear();
        await Promise.all(
          servers.map(async (server) => {
            try {
              const values = await dns.txt(server, name);
              if (!values.includes(challenge.keyAuthorization)) missing.set(server, values.length > 0 ? `has ${values.map((v) => JSON.stringify(v)).join(', ')}` : 'has no TXT record');
            } catch (error) {
              missing.set(server, `does not answer (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
            }
          }),
        );
        if (missing.size === 0) return;
        if (Date.now() + pollMs > deadline) break;
        await sleep(pollMs);
      }
      const seen = [...missing].map(([server, what]) => `${server} ${what}`).join('; ');
      throw new PreflightError(challenge.identifier, 'dns-01', `TXT ${name} did not appear within ${Math.round(timeoutMs / 1000)} s: ${seen}`);
    },
  };
}
