import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The CLI's entry in the sources (what `npm start` runs through tsx). */
const CLI_MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

/** How a swarm-wiz process ended: `code` is null when a signal ended it. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SwarmWizOptions {
  /** More environment: the process gets PATH, HOME and these only (a value of undefined leaves it out). */
  env?: Record<string, string | undefined>;
  /** What it reads on stdin, then end of input; without it, stdin is /dev/null. */
  stdin?: string;
  cwd?: string;
  /** Run this one-file build (scripts/bundle.ts; what the support server runs, and quicker to start) instead of the sources through tsx. */
  bundle?: string;
  /** An argv that runs the node command, e.g. ['ip', 'netns', 'exec', NS] or ['setpriv', '--reuid=65534', …]. */
  via?: readonly string[];
}

export interface RunningSwarmWiz {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited and its output is read, with all it printed. */
  done: Promise<Finished>;
}

/** Starts `swarm-wiz ARGS` as a real process, no terminal: from the sources through tsx (`node --import tsx src/cli/main.ts`), or `bundle`. */
export function startSwarmWiz(args: readonly string[], options: SwarmWizOptions = {}): RunningSwarmWiz {
  const [command, ...commandArgs] = [...(options.via ?? []), process.execPath, ...(options.bundle ? [options.bundle] : ['--import', 'tsx', CLI_MAIN]), ...args];
  const child = spawn(command!, commandArgs, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    // 'close', not 'exit': by then everything it printed has been read.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { pid: child.pid ?? 0, kill: (signal) => void child.kill(signal), done };
}

/** Runs `swarm-wiz ARGS` as a real process to its end (see startSwarmWiz). */
export const swarmWiz = (args: readonly string[], options: SwarmWizOptions = {}): Promise<Finished> => startSwarmWiz(args, options).done;
