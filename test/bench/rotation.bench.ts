import { join } from 'node:path';
import type { RotationResult } from './rotation-run.js';
import type { Figure } from './figures.js';
import { underHostDockerLock } from './host-docker.js';

const INSIDE = join(import.meta.dirname, 'rotation-run.ts');

/** `renew --force` on the local swarm (apply --target local) under HTTPS load: requests served and failed. */
export default async function rotationBench(): Promise<Figure[]> {
  const result = await underHostDockerLock<RotationResult>(INSIDE, 'rotation');
  if (result.renewCode !== 0) throw new Error(`renew --force exited ${result.renewCode}`);
  if (!result.serialsChanged) throw new Error('renew --force did not change the served certificates');
  return [
    {
      name: 'requests failed during renew --force (local swarm, 3 sites, files delivery)',
      value: result.failed,
      unit: 'failed requests',
      target: { text: '0', on: 'value', comparator: '<=', limit: 0 },
      note: `${result.requests} HTTPS requests (new connection each, one loop per domain) during a ${result.renewSeconds.toFixed(1)} s renew --force from Pebble; new serials served${result.failures.length > 0 ? `; e.g. ${result.failures.join(' | ')}` : ''}`,
    },
    { name: 'HTTPS requests served during renew --force', value: result.requests - result.failed, unit: 'requests', note: `in ${result.renewSeconds.toFixed(1)} s` },
    { name: 'apply --target local: 3 sites to serving HTTPS with CA certificates', value: result.applySeconds, unit: 's', note: 'one-node swarm on this machine\'s Docker engine, Pebble on loopback; images built beforehand' },
  ];
}
