import { spawn } from 'node:child_process';
import { requireTool } from '../peers/tools.js';

/** This machine's Docker engine is shared: everything that uses it runs under this lock. */
export const HOST_DOCKER_LOCK = '/tmp/swz-host-docker.lock';
/** Someone else's run on the shared engine may hold the lock this long before the bench gives up. */
const LOCK_WAIT_S = 900;

/**
 * Runs a bench's inside (a tsx script printing one JSON line last) under `flock` on the shared engine's
 * lock, and returns that line parsed; `what` names the bench in the error when it fails.
 */
export async function underHostDockerLock<Result>(inside: string, what: string): Promise<Result> {
  requireTool('flock (util-linux)', ['flock', '--version'], 'holding the shared Docker engine');
  const child = spawn('flock', ['--wait', String(LOCK_WAIT_S), HOST_DOCKER_LOCK, process.execPath, '--import', 'tsx', inside], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the ${what} benchmark failed (exit ${code}${code === 1 && stdout === '' ? `; or ${HOST_DOCKER_LOCK} stayed held for ${LOCK_WAIT_S} s` : ''})`);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Result;
}
