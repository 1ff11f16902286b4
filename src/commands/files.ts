import type { Command } from './command.js';

/**
 * File operations on a node, as argv. A file is written atomically: an empty file with its final mode
 * is made beside the target (`install -m MODE /dev/null`), `dd` fills it from stdin (it reads fd 0 as
 * it is: a pipe, a socket — `/dev/stdin` cannot be opened on a socket), then `mv` renames it over the
 * target, so nginx (or anyone) reads the old file or the new one, never half of one, and a key is never
 * readable by others, not even for a moment.
 */

const octal = (mode: number): string => `0${mode.toString(8)}`;

/** `mkdir -p` with the folder's mode set even when it already existed (0700 for folders holding keys). */
export function makeDir(path: string, mode: number): Command[] {
  return [
    { argv: ['mkdir', '-p', '--', path], description: `create ${path}` },
    { argv: ['chmod', octal(mode), '--', path], description: `set ${path} to ${octal(mode)}` },
  ];
}

/** The temporary name a file is written to before the rename. */
export const stagingName = (path: string): string => {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.swarm-wiz-new`;
};

/** Writes `content` to `path` with `mode`, atomically (two commands: copy beside, rename over). */
export function writeFile(path: string, content: string | Uint8Array, mode: number): Command[] {
  const staging = stagingName(path);
  const parent = path.slice(0, path.lastIndexOf('/')) || '/';
  return [
    { argv: ['mkdir', '-p', '--', parent], description: `create ${parent}` },
    { argv: ['install', '-m', octal(mode), '/dev/null', staging], description: `create ${staging} (${octal(mode)})` },
    { argv: ['dd', `of=${staging}`, 'status=none'], stdin: content, description: `write ${path}` },
    { argv: ['mv', '-f', '--', staging, path], description: `move the new ${path} into place` },
  ];
}

export function removeFile(path: string): Command {
  return { argv: ['rm', '-f', '--', path], description: `remove ${path}` };
}

export function readFile(path: string): Command {
  return { argv: ['cat', '--', path], description: `read ${path}` };
}

/** sha256 of every file under `dir` (none when it does not exist: `find` then exits non-zero; run it as a probe). */
export function hashFiles(dir: string): Command {
  return { argv: ['find', dir, '-type', 'f', '-exec', 'sha256sum', '--', '{}', '+'], description: `checksum the files in ${dir}` };
}

/** `sha256sum` output → path relative to `dir` → hex digest. Staging files of an interrupted write are left out. */
export function parseHashes(output: string, dir: string): Map<string, string> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const hashes = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line);
    if (!match || !match[2]!.startsWith(prefix)) continue;
    const relative = match[2]!.slice(prefix.length);
    if (relative.endsWith('.swarm-wiz-new')) continue;
    hashes.set(relative, match[1]!);
  }
  return hashes;
}
