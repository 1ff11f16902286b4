import type { WizardDeps } from '../wizard/ask-new-project.js';
import type { Prompter } from '../wizard/prompter.js';
import { CliExit, EXIT } from './exit.js';

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
  /** Whether `apply --target local` could run here (a Docker engine answers); default: asked of this machine. Tests pass their own. */
  localEngine?: () => Promise<boolean>;
}

/** swarm-wiz's own `npm start` script in a checkout (npm sets these for the script it runs). */
const ownStartScript = (env: Readonly<Record<string, string | undefined>>): boolean => env.npm_lifecycle_event === 'start' && env.npm_package_name === 'swarm-wiz';

/**
 * The folder the user called swarm-wiz from. That is the working directory, except under
 * `npm start` in a checkout: npm runs the script in the checkout and passes the folder it was called
 * from as INIT_CWD. Only for swarm-wiz's own `start` script: another package's script that runs
 * swarm-wiz runs it in the folder that script chose.
 */
export function launchDir(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  return ownStartScript(env) && env.INIT_CWD ? env.INIT_CWD : cwd;
}

/**
 * How the person started swarm-wiz, to name a next command the same way: `npm start --` from a
 * checkout, `swarm-wiz` when installed.
 */
export function invocation(env: Readonly<Record<string, string | undefined>>): string {
  return ownStartScript(env) ? 'npm start --' : 'swarm-wiz';
}

/** Whether a Docker engine answers for `apply --target local`: the one io carries (tests), else asked of this machine. */
export async function localEngineReady(io: CliIo): Promise<boolean> {
  if (io.localEngine) return io.localEngine();
  return (await import('../app/local-engine.js')).localEngineReady(io.env);
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

/**
 * DIGITALOCEAN_API_URL as given, once it is an http(s) URL without a user name or password: the API
 * takes the token only, and a password in the URL would be repeated in every error that names it.
 * Anything else stops the command (exit 2) without repeating the value.
 */
function apiUrlOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliExit(EXIT.usage, 'DIGITALOCEAN_API_URL: is not a URL (like https://api.digitalocean.com); its value is not shown');
  }
  if (url.username !== '' || url.password !== '') {
    throw new CliExit(EXIT.usage, 'DIGITALOCEAN_API_URL: holds a user name or password (user:password@, not shown); remove it: the API is authorised by DIGITALOCEAN_TOKEN only');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliExit(EXIT.usage, 'DIGITALOCEAN_API_URL: is not an http:// or https:// URL');
  return value;
}

export function cloudEnv(env: CliIo['env']): CloudEnv {
  return {
    token: env.DIGITALOCEAN_TOKEN?.trim() || undefined,
    apiUrl: apiUrlOf(env.DIGITALOCEAN_API_URL),
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
  const { readCaProfiles } = await import('../app/ca-profiles.js');
  const { apiUrl } = cloudEnv(io.env);
  // The DigitalOcean client is loaded only once a token is given.
  const sizePrices = async (token: string) => (await import('../app/prices.js')).sizePricesFor({ token, apiUrl, env: io.env });
  return { prompter: await prompterOf(io), say: (line) => writeLine(io.stdout, line), env: io.env, caProfiles: readCaProfiles, sizePrices };
}

/** Writes one line (a newline is added) to a stream. */
export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}

/** Everything a stream holds, as bytes (a value piped in: `printf %s "$V" | swarm-wiz secret set NAME`). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The first line a stream holds, without its line ending (a URL or a password kept out of the shell's history and of `ps`). */
export async function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return ((await readAll(stream)).toString('utf8').split('\n')[0] ?? '').replace(/\r$/, '');
}
