import type { Command } from 'commander';
import type { RestorePlan } from '../../app/backup.js';
import { isLocalTarget, projectPaths, withCommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
import { prompterOf, writeLine, type CliIo } from '../io.js';
import { releaseStdin } from '../terminal-handoff.js';
import { age, size } from './backup.js';

interface RestoreOptions {
  config?: string;
  dir?: string;
  yes: boolean;
  json: boolean;
  verbose: boolean;
  target?: string;
  snapshot?: string;
}

function planLines(plan: RestorePlan): string[] {
  return [
    `This stops ${plan.service} and replaces its data on ${plan.node}:`,
    ...plan.volumes.map((volume) => `  ${volume.volume} ← snapshot ${volume.snapshot} of ${volume.time.slice(0, 19).replace('T', ' ')} UTC (${age(volume.time)}${volume.bytes !== undefined ? `, ${size(volume.bytes)}` : ''})`),
    'What the volume holds now is replaced; anything written since that snapshot is lost.',
  ];
}

/**
 * `swarm-wiz restore SERVICE [--snapshot ID]`: puts a service's volumes back as a backup holds them, on
 * the node its data is pinned to (a new droplet after a loss), then starts it again and waits until it is
 * up and healthy. Asks first (--yes without a terminal). Exit 0 done, 1 failed (the volume is left as it
 * was) or answered no, 2 a bad value or no confirmation without a terminal.
 */
export function registerRestoreCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('restore'))
    .argument('<service>', 'a service with volumes')
    .option('--snapshot <id>', 'the snapshot to restore (swarm-wiz backup ls; default: the latest of each of its volumes)')
    .option('--target <target>', "local: this machine's Docker engine and restic")
    .description("restore a service's volumes from a backup: shows what is replaced, asks, stops the service, restores, starts it and waits until it is healthy")
    .action(async (service: string, options: RestoreOptions) => {
      try {
        const { restore } = await import('../../app/backup.js');
        const { configPath, dir } = projectPaths(options, io);
        const outcome = await restore(
          { configPath, dir, local: isLocalTarget(options.target), service, ...(options.snapshot !== undefined ? { snapshot: options.snapshot } : {}) },
          {
            confirm: async (plan) => {
              if (!options.json) for (const line of planLines(plan)) writeLine(io.stdout, line);
              if (options.yes) return true;
              if (!io.isTTY) throw new CliExit(EXIT.usage, 'restore replaces data: give --yes when there is no terminal to confirm in. Nothing was stopped or restored.');
              return (await prompterOf(io)).confirm({ message: `Restore ${plan.service} now?`, default: false });
            },
            onProgress: (line) => (options.json ? undefined : writeLine(io.stdout, `  ${line}`)),
          },
        );
        if (options.json) writeLine(io.stdout, JSON.stringify(outcome));
        else writeLine(io.stdout, `Restored ${outcome.service} on ${outcome.node} in ${outcome.seconds.toFixed(1)} s; it is up again.`);
      } finally {
        releaseStdin(io);
      }
    });
}
