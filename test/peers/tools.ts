import { execFile, execFileSync, type ExecFileOptions } from 'node:child_process';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs an argv and reports how it ended: a non-zero exit (or a command that cannot start, code 1) is a
 * result, not a throw. `input` is written to its stdin, which is then closed (execFile itself has no
 * `input`: without this the command would wait on stdin until its timeout).
 */
export async function runArgv(
  command: string,
  args: readonly string[],
  options: ExecFileOptions & { input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { input, ...execOptions } = options;
  try {
    const running = run(command, [...args], { ...execOptions, encoding: 'utf8' });
    if (input !== undefined) running.child.stdin?.end(input);
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? String(error) };
  }
}

/**
 * Fails (never skips) when a real tool a test needs is missing, naming the tool, what needs it and
 * how to install it. `probe` is an argv that must exit 0 when the tool is usable.
 */
export function requireTool(name: string, probe: readonly string[], neededFor: string): void {
  const [command, ...args] = probe;
  if (command === undefined) throw new Error('requireTool: empty probe');
  try {
    execFileSync(command, args, { stdio: 'pipe', timeout: 30_000 });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      `${name} is needed for ${neededFor} but \`${probe.join(' ')}\` failed (${detail}). ` +
        'Install the test peers with `sudo bash test/peers/install.sh`; tests never skip a missing tool.',
    );
  }
}

export const requireNginx = (): void => requireTool('nginx', ['nginx', '-v'], 'running the generated nginx.conf');
export const requireUnshare = (): void =>
  requireTool('unshare (util-linux, run as root)', ['unshare', '--net', '--mount', 'true'], 'running nginx in a private network and mount namespace');
export const requireDockerStackConfig = (): void =>
  requireTool('docker CLI >= 23 with `stack config`', ['docker', 'stack', 'config', '--help'], 'validating docker-compose.yml');
export const requireShellcheck = (): void => requireTool('shellcheck', ['shellcheck', '--version'], 'checking the generated scripts');
export const requireOpenssl = (): void => requireTool('openssl', ['openssl', 'version'], 'making throwaway certificates');
export const requireIptables = (): void =>
  requireTool('iptables', ['iptables', '--version'], 'forwarding backends into the namespace nginx runs in');
export const requireCloudInit = (): void =>
  requireTool('cloud-init', ['cloud-init', '--version'], 'validating cloud-init user-data with `cloud-init schema`');

/**
 * Polls `probe` until `done` accepts its value (a thrown error is a value too), every `pollMs`, for at
 * most `seconds`; then throws naming `what` and the last value.
 */
export async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, seconds = 120, pollMs = 500): Promise<T> {
  let last: T | undefined;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    last = await probe().catch((error: unknown) => error as T);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`${what}: still not there after ${seconds} s (last: ${String(last instanceof Error ? last.message : JSON.stringify(last))})`);
}

/** Whether something accepts a TCP connection on 127.0.0.1:`port` now (the connection is closed at once). */
export const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
