import { execa } from 'execa';

/** How a process ended: a non-zero exit, a timeout or an abort are results here, never throws. */
export interface Execution {
  /** undefined when the process was killed or could not start. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** The signal that killed it, if one did. */
  signal: string | undefined;
  /** Why the process could not start (`ENOENT`, …), if it could not. */
  notStarted: string | undefined;
}

export interface ExecuteOptions {
  stdin?: string | Uint8Array;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Each line of stdout and stderr as it arrives, without its line ending. */
  onLine?: (line: string) => void;
}

/**
 * Runs `argv` (no shell) on this machine: stdin from `stdin` (otherwise /dev/null), stdout and
 * stderr kept byte for byte (no final newline stripped) and streamed line by line to `onLine`;
 * killed (SIGTERM, SIGKILL 5 s later) when `signal` aborts or after `timeoutMs`.
 */
export async function execute(argv: readonly string[], options: ExecuteOptions = {}): Promise<Execution> {
  const [file, ...args] = argv;
  if (file === undefined || file === '') throw new Error('execute: empty argv');
  const { onLine } = options;
  const tap = onLine
    ? {
        transform: function* (line: unknown) {
          onLine(String(line).replace(/\r?\n$/, ''));
          yield line;
        },
        preserveNewlines: true,
      }
    : 'pipe';
  const subprocess = execa(file, args, {
    ...(options.stdin !== undefined ? { input: options.stdin } : { stdin: 'ignore' as const }),
    stdout: tap,
    stderr: tap,
    env: options.env ?? {},
    extendEnv: true,
    reject: false,
    stripFinalNewline: false,
    encoding: 'utf8',
    forceKillAfterDelay: 5_000,
  });
  // Killing is done here rather than with execa's cancelSignal/timeout, because after a kill the
  // output must not be waited for: a process the command left behind (or ssh's shared master
  // connection, which holds a session's stderr until the remote command ends) can keep the pipes
  // open long after the process itself is gone.
  let stopped: 'aborted' | 'timedOut' | undefined;
  const exited = () => subprocess.exitCode !== null || subprocess.signalCode !== null;
  const letGoOfOutput = () => {
    subprocess.stdout?.destroy();
    subprocess.stderr?.destroy();
  };
  const stop = (why: 'aborted' | 'timedOut') => {
    if (stopped) return;
    stopped = why;
    if (exited()) letGoOfOutput();
    else subprocess.kill();
  };
  subprocess.once('exit', () => {
    if (stopped) letGoOfOutput();
  });
  const onAbort = () => stop('aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop('aborted');
  const timer = options.timeoutMs !== undefined ? setTimeout(() => stop('timedOut'), options.timeoutMs) : undefined;
  let result: Awaited<typeof subprocess>;
  try {
    result = await subprocess;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  const startError = result.exitCode === undefined && !result.signal && !stopped ? result.cause : undefined;
  return {
    exitCode: result.exitCode,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    timedOut: stopped === 'timedOut',
    aborted: stopped === 'aborted',
    signal: result.signal,
    notStarted: startError === undefined ? undefined : describeStartError(file, startError),
  };
}

/** `ENOENT` → "docker: not found"; never execa's message, which repeats the whole command line (and its secrets). */
function describeStartError(file: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return `${file}: not found`;
  if (code === 'EACCES') return `${file}: permission denied`;
  return `${file}: ${typeof code === 'string' ? code : 'could not be started'}`;
}
