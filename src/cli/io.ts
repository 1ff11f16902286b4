import type { WizardDeps } from '../wizard/ask-new-project.js';
import type { Prompter } from '../wizard/prompter.js';

/**
 * Everything a command may touch of the process it runs in. `main.ts` passes the real process;
 * tests pass streams they read back, an env without secrets, and a working directory of their own.
 */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Readonly<Record<string, string | undefined>>;
  /** True only when a person can answer questions (stdin and stdout are terminals). */
  isTTY: boolean;
  cwd: string;
  /** Asks questions; default: @inquirer/prompts on stdin/stdout. Tests pass a scripted one. */
  prompter?: Prompter;
}

/**
 * The folder the user called swarm-wiz from. That is the working directory, except under
 * `npm start` in a checkout: npm runs the script in the checkout and passes the folder it was called
 * from as INIT_CWD. Only for swarm-wiz's own `start` script: another package's script that runs
 * swarm-wiz runs it in the folder that script chose.
 */
export function launchDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const ownStartScript = env.npm_lifecycle_event === 'start' && env.npm_package_name === 'swarm-wiz';
  return ownStartScript && env.INIT_CWD ? env.INIT_CWD : cwd;
}

/** The real process as a CliIo (main.ts has moved it to its launchDir already). */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    cwd: process.cwd(),
  };
}

/** What the environment says about DigitalOcean; unset and blank are the same. */
export interface CloudEnv {
  /** DIGITALOCEAN_TOKEN, trimmed; kept in memory only, never printed or written. */
  token: string | undefined;
  /** DIGITALOCEAN_API_URL: another API endpoint (a test server). */
  apiUrl: string | undefined;
  /** SWARM_WIZ_OPERATOR_IP: the address allowed to reach SSH on the droplets. */
  operatorIp: string | undefined;
}

export function cloudEnv(env: CliIo['env']): CloudEnv {
  return {
    token: env.DIGITALOCEAN_TOKEN?.trim() || undefined,
    apiUrl: env.DIGITALOCEAN_API_URL || undefined,
    operatorIp: env.SWARM_WIZ_OPERATOR_IP || undefined,
  };
}

/** The prompter to ask with: the one `io` carries (tests), else @inquirer/prompts on stdin/stdout, loaded only when asked for. */
export async function prompterOf(io: CliIo): Promise<Prompter> {
  if (io.prompter) return io.prompter;
  const { inquirerPrompter } = await import('../wizard/prompter.js');
  return inquirerPrompter({ input: io.stdin, output: io.stdout });
}

/** What the wizard's questions need: the prompter, lines on stdout between questions, the environment. */
export async function wizardDeps(io: CliIo): Promise<WizardDeps> {
  const { readCaProfiles } = await import('../adapters/acme/directory.js');
  return { prompter: await prompterOf(io), say: (line) => writeLine(io.stdout, line), env: io.env, caProfiles: readCaProfiles };
}

/** Writes one line (a newline is added) to a stream. */
export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
