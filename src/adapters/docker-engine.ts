import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { request, type RequestOptions } from 'node:http';
import { delimiter, join } from 'node:path';

/** Where the docker CLI would talk to: DOCKER_HOST as it is set, else the engine's default socket. */
function engineAddress(dockerHost: string | undefined): RequestOptions | undefined {
  const host = dockerHost?.trim() || 'unix:///var/run/docker.sock';
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('tcp://')) {
    const url = new URL(`http://${host.slice('tcp://'.length)}`);
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  // ssh://, npipe:// and the like: not asked here.
  return undefined;
}

/**
 * Whether a Docker engine answers here: `GET /_ping` on DOCKER_HOST (or /var/run/docker.sock) answers
 * `OK` within `timeoutMs`. node:http only, no docker CLI and no child process. An engine behind TLS
 * (DOCKER_TLS_VERIFY) or SSH is not asked: false.
 */
export function dockerEngineAnswers(env: Readonly<Record<string, string | undefined>>, timeoutMs = 1000): Promise<boolean> {
  const address = engineAddress(env.DOCKER_HOST);
  if (!address || (env.DOCKER_TLS_VERIFY ?? '') !== '') return Promise.resolve(false);
  return new Promise((resolve) => {
    let settled = false;
    const done = (answers: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answers);
    };
    const req = request({ ...address, path: '/_ping', method: 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 16)));
      res.on('end', () => done(res.statusCode === 200 && body.trim() === 'OK'));
      res.on('error', () => done(false));
    });
    const timer = setTimeout(() => done(false), timeoutMs);
    req.on('error', () => done(false));
    req.end();
  });
}

/** Whether an executable `docker` is on PATH (the local target runs the docker CLI). */
export async function dockerCliOnPath(env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (await access(join(dir, 'docker'), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}
