import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { requireTool } from '../peers/tools.js';
import type { RotationResult } from './rotation-run.js';
import type { Figure } from './figures.js';

/** This machine's Docker engine is shared: everything that uses it runs under this lock. */
const HOST_DOCKER_LOCK = '/tmp/swz-host-docker.lock';
/** Someone else's run on the shared engine may hold the lock this long before the bench gives up. */
const LOCK_WAIT_S = 900;
const INSIDE = join(import.meta.dirname, 'rotation-run.ts');

/** `renew --force` on the local swarm (apply --target local) under HTTPS load: requests served and failed. */
export default async function rotationBench(): Promise<Figure[]> {
  requireTool('flock (util-linux)', ['flock', '--version'], 'holding the shared Docker engine');
  const child = spawn('flock', ['--wait', String(LOCK_WAIT_S), HOST_DOCKER_LOCK, process.execPath, '--import', 'tsx', INSIDE], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the rotation benchmark failed (exit ${code}${code === 1 && stdout === '' ? `; or ${HOST_DOCKER_LOCK} stayed held for ${LOCK_WAIT_S} s` : ''})`);
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as RotationResult;
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
