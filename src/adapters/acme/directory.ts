import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';

/**
 * The profiles an ACME CA offers (`meta.profiles` of its directory: name → description), for the
 * wizard. Empty when it lists none; throws when the directory cannot be read within `timeoutMs`.
 */
export async function readCaProfiles(directoryUrl: string, timeoutMs = 5000): Promise<Record<string, string>> {
  const response = await fetch(directoryUrl, { headers: { 'user-agent': 'swarm-wiz' }, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${directoryUrl} answered HTTP ${response.status}`);
  return profilesOf(await response.json());
}

function profilesOf(directory: unknown): Record<string, string> {
  const profiles = (directory as { meta?: { profiles?: unknown } } | undefined)?.meta?.profiles;
  if (!profiles || typeof profiles !== 'object') return {};
  return Object.fromEntries(Object.entries(profiles).map(([name, description]) => [name, typeof description === 'string' ? description : '']));
}

/** An HTTPS agent trusting `caCertFile` too (a private or test CA), or undefined for the system's roots. */
export async function createAcmeAgent(caCertFile?: string): Promise<Agent | undefined> {
  return caCertFile ? new Agent({ ca: await readFile(caCertFile, 'utf8') }) : undefined;
}

/** Like readCaProfiles, through `agent` for an https: URL (so `--ca-cert` is trusted). */
export async function fetchDirectoryProfiles(directoryUrl: string, agent?: Agent, timeoutMs = 5000): Promise<Record<string, string>> {
  if (!directoryUrl.startsWith('https:')) return readCaProfiles(directoryUrl, timeoutMs);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(directoryUrl, { agent, headers: { 'user-agent': 'swarm-wiz' }, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < 1_000_000) text += chunk;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${directoryUrl} answered HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
  return profilesOf(JSON.parse(body));
}
