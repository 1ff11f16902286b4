import type { Command } from './command.js';

/**
 * The support server's own setup, as argv: Node.js, its SSH key to the swarm nodes, the crontab.
 * Values reach a shell only as positional parameters (`sh -c SCRIPT sh VALUE…`), never inside the script.
 */

/** `node --version` (`v20.19.2`); a probe: exit 127 when Node.js is not installed. */
export const nodeVersion: Command = { argv: ['node', '--version'], description: 'read the Node.js version' };

/** The major version of `node --version` output (`v20.19.2` → 20), or undefined. */
export function parseNodeMajor(output: string): number | undefined {
  const match = /^v(\d+)\./.exec(output.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Makes an ed25519 key at `path` (no passphrase) unless one is there, and prints its public half. The
 * private key is made on the support server and never leaves it.
 */
export function ensureSshKey(path: string, comment: string): Command {
  const script = 'set -e; umask 077; mkdir -p "$(dirname "$1")"; [ -s "$1" ] || ssh-keygen -q -t ed25519 -N "" -C "$2" -f "$1" </dev/null; [ -s "$1.pub" ] || ssh-keygen -y -f "$1" > "$1.pub"; cat "$1.pub"';
  return { argv: ['sh', '-c', script, 'sh', path, comment], description: `make the support server's SSH key ${path} (once)` };
}

/** root's authorized_keys on a node. */
export const AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';

/**
 * Adds `line` to root's authorized_keys unless it is there (exact line), first removing any other line
 * ending in `marker` (the comment that names the key: a new support key replaces the old one).
 */
export function authorizeKey(line: string, marker: string): Command {
  const script = [
    'set -e; umask 077; f=/root/.ssh/authorized_keys; mkdir -p /root/.ssh; touch "$f"',
    'grep -qxF -- "$1" "$f" && exit 0',
    'grep -vF -- "$2" "$f" > "$f.swarm-wiz-new" || true',
    'printf "%s\\n" "$1" >> "$f.swarm-wiz-new"',
    'chmod 600 "$f.swarm-wiz-new"; mv -f "$f.swarm-wiz-new" "$f"',
  ].join('; ');
  return { argv: ['sh', '-c', script, 'sh', line, marker], description: 'authorise the support server\'s SSH key for root' };
}

/** Whether `line` is in root's authorized_keys (a probe: exit 0 yes, 1 no). */
export function keyAuthorized(line: string): Command {
  return { argv: ['grep', '-qxF', '--', line, AUTHORIZED_KEYS], description: "check that the support server's SSH key is authorised" };
}

/** Installs `path` as root's crontab (the `crontab` program checks it and replaces the old one as a whole). */
export function installCrontab(path: string): Command {
  return { argv: ['crontab', path], description: `install ${path} as root's crontab` };
}

/** root's crontab (a probe: exit 1 "no crontab for root" when there is none). */
export const readCrontab: Command = { argv: ['crontab', '-l'], description: "read root's crontab" };
