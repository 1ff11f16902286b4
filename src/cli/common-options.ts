import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE } from '../config/file-name.js';
import { CliExit, EXIT } from './exit.js';
import type { CliIo } from './io.js';

/** The flags every project command accepts (see DESIGN.md "Common flags"). */
export interface CommonOptions {
  config?: string;
  dir?: string;
  yes: boolean;
  json: boolean;
  verbose: boolean;
}

/** The project file's name (src/config/file-name.ts), as the commands' flags name it. */
export const DEFAULT_CONFIG_FILE = CONFIG_FILE;

/** Adds --config, --dir, --yes, --json and --verbose to a command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--config <file>', `the project file (default: ./${DEFAULT_CONFIG_FILE}, or the one in --dir)`)
    .option('--dir <dir>', "where generated files and .swarm-wiz/ go (default: the config's folder)")
    .option('--yes', 'do not ask for confirmation', false)
    .option('--json', 'machine-readable output', false)
    .option('--verbose', 'more detail, including stack traces of failures', false);
}

export interface ProjectPaths {
  /** Absolute path of swarm-wiz.yaml. */
  configPath: string;
  /** Absolute project directory: generated files and .swarm-wiz/ live here. */
  dir: string;
}

/**
 * Resolves --config and --dir against the working directory. --dir defaults to the config's
 * folder; without --config the project file is the one in --dir (or in the working directory).
 */
export function projectPaths(options: Pick<CommonOptions, 'config' | 'dir'>, io: Pick<CliIo, 'cwd'>): ProjectPaths {
  if (options.config === undefined) {
    const dir = dirOption(options.dir ?? '.', io);
    return { configPath: join(dir, DEFAULT_CONFIG_FILE), dir };
  }
  const configPath = resolve(io.cwd, options.config);
  const dir = options.dir === undefined ? dirname(configPath) : dirOption(options.dir, io);
  return { configPath, dir };
}

/**
 * The absolute folder `--dir` names. It may not exist yet (apply creates it), but a file there is
 * a usage error before anything reads the state or writes a file.
 */
export function dirOption(given: string, io: Pick<CliIo, 'cwd'>): string {
  const dir = resolve(io.cwd, given);
  let isFolder = true;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch (error) {
    // ENOTDIR: a file stands where one of its parent folders should be.
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') isFolder = false;
  }
  if (!isFolder) throw new CliExit(EXIT.usage, `--dir ${given} is a file, not a folder: give the folder for the generated files and .swarm-wiz/`);
  return dir;
}

/** `--target local` (this machine's Docker engine) or nothing (the state decides where the project runs); anything else exits 2. */
export function isLocalTarget(target: string | undefined): boolean {
  if (target === undefined) return false;
  if (target === 'local') return true;
  throw new CliExit(EXIT.usage, `--target: ${JSON.stringify(target)} is not a target (local, or leave it out for the project's swarm)`);
}
