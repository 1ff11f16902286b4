import { randomBytes } from 'node:crypto';
import { access, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeFileAtomic } from '../config/fs-atomic.js';
import { ensureSwarmWizDir, SWARM_WIZ_DIR } from '../config/private-dir.js';

/** The private key swarm-wiz uses to reach the droplets; its `.pub` beside it goes to DigitalOcean. */
export function sshKeyPath(dir: string): string {
  return join(dir, SWARM_WIZ_DIR, 'ssh', 'id_ed25519');
}

const RESTORE_HINT =
  'Restore .swarm-wiz/ssh/ from a backup (the droplets let in only this key), then run apply again; if no droplet was ever created with it, delete .swarm-wiz/ssh/ instead and apply makes a new key.';

/** The project's private key exists but cannot be used: `problem` names the file and why, `hint` what to do. */
export class SshKeyError extends Error {
  constructor(readonly problem: string, readonly hint: string) {
    super(`${problem}. ${hint}`);
    this.name = 'SshKeyError';
  }
}

/** An OpenSSH public key line of the type swarm-wiz uses: type, base64 body, optional comment. */
const ED25519_PUBLIC_KEY = /^ssh-ed25519 AAAA[A-Za-z0-9+/]+=*(?: [^\n]*)?$/;

const typeAndBody = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');

/**
 * Runs ssh-keygen so that it can never wait for an answer: no stdin, no askpass, an empty
 * passphrase given, a time limit.
 */
function sshKeygen(args: string[]) {
  return execa('ssh-keygen', args, { stdin: 'ignore', reject: false, timeout: 30_000, env: { SSH_ASKPASS_REQUIRE: 'never' } });
}

const cannotRun = (why: string) => new Error(`ssh-keygen could not be run (${why}); it comes with OpenSSH (Debian: apt-get install openssh-client)`);

/** `ssh-keygen -y`: the public half (type and body) read from the private key itself. */
async function publicHalfOf(path: string): Promise<string> {
  const result = await sshKeygen(['-y', '-P', '', '-f', path]);
  if (result.failed) {
    if (result.exitCode === undefined) throw cannotRun(result.shortMessage ?? 'unknown error');
    const said = result.stderr.trim().split('\n').at(-1)?.replace(/^Load key "[^"]*": /, '') ?? '';
    if (said === 'bad permissions') {
      throw new SshKeyError(`${path} cannot be used as swarm-wiz's SSH key: others may read it, so ssh refuses it`, `Run chmod 600 ${path}, then run apply again.`);
    }
    if (said.includes('passphrase')) throw new SshKeyError(`${path} cannot be used as swarm-wiz's SSH key: it has a passphrase (swarm-wiz's key has none)`, RESTORE_HINT);
    throw new SshKeyError(`${path} cannot be used as swarm-wiz's SSH key: it is empty or damaged (ssh-keygen: ${said || `exit ${result.exitCode ?? 'unknown'}`})`, RESTORE_HINT);
  }
  const derived = typeAndBody(result.stdout);
  if (!ED25519_PUBLIC_KEY.test(derived)) {
    throw new SshKeyError(`${path} cannot be used as swarm-wiz's SSH key: it is a ${derived.split(' ')[0] || 'unknown'} key, not ed25519`, RESTORE_HINT);
  }
  return derived;
}

/** Makes a new pair (no passphrase) under a temporary name, then moves the private half into place. */
async function generate(dir: string, comment: string): Promise<void> {
  const path = sshKeyPath(dir);
  const temp = join(await ensureSwarmWizDir(dir, 'ssh'), `.id_ed25519.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const result = await sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', temp]);
    if (result.failed && result.exitCode === undefined) throw cannotRun(result.shortMessage ?? 'unknown error');
    if (result.failed) throw new Error(`ssh-keygen could not make ${path}: ${result.stderr.trim() || result.shortMessage}`);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}.pub`, { force: true });
  }
}

/**
 * Returns the project's public key (`ssh-ed25519 AAAA… comment`), making the pair (private half
 * 0600, no passphrase) the first time. The `.pub` is checked against the private key and written
 * again (atomically) when it is missing, empty or of another key; ssh-keygen never prompts.
 * Throws SshKeyError when the private key exists but cannot be read.
 */
export async function ensureLocalSshKey(dir: string, comment: string): Promise<string> {
  const path = sshKeyPath(dir);
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (!exists) await generate(dir, comment);
  const derived = await publicHalfOf(path);
  const recorded = (await readFile(`${path}.pub`, 'utf8').catch(() => '')).trim();
  if (ED25519_PUBLIC_KEY.test(recorded) && typeAndBody(recorded) === derived) return recorded;
  const publicKey = `${derived} ${comment}`;
  await writeFileAtomic(`${path}.pub`, `${publicKey}\n`, 0o644);
  return publicKey;
}
