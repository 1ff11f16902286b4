/**
 * The profiles an ACME CA offers (`meta.profiles` of its directory: name → description), for the
 * wizard. Empty when it lists none; throws when the directory cannot be read within `timeoutMs`.
 */
export async function readCaProfiles(directoryUrl: string, timeoutMs = 5000): Promise<Record<string, string>> {
  const response = await fetch(directoryUrl, { headers: { 'user-agent': 'swarm-wiz' }, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${directoryUrl} answered HTTP ${response.status}`);
  const directory = (await response.json()) as { meta?: { profiles?: unknown } };
  const profiles = directory.meta?.profiles;
  if (!profiles || typeof profiles !== 'object') return {};
  return Object.fromEntries(Object.entries(profiles).map(([name, description]) => [name, typeof description === 'string' ? description : '']));
}
