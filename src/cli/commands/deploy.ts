import type { Command } from 'commander';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { writeLine, type CliIo } from '../io.js';

interface DeployOptions extends CommonOptions {
  image?: string;
}

/**
 * `swarm-wiz deploy SERVICE --image REF`: what a CI job runs after pushing an image. Exit 0 updated (or
 * already running it), 1 the update failed and Swarm rolled back, 2 a bad argument or config.
 */
export function registerDeployCommand(program: Command, io: CliIo): void {
  withCommonOptions(program.command('deploy'))
    .argument('<service>', 'a service named in swarm-wiz.yaml (a site\'s service or a private one)')
    .requiredOption('--image <ref>', 'the image to roll out, like ghcr.io/me/a:1.1')
    .description('roll out a new image of one service (rolling, gated on its health check, rolled back when it fails) and record it in swarm-wiz.yaml')
    .action(async (service: string, options: DeployOptions) => {
      const { deployOneService } = await import('../../app/deploy-service.js');
      const { configPath, dir } = projectPaths(options, io);
      const result = await deployOneService({ configPath, dir, service, image: options.image ?? '' }, (line) => (options.json ? undefined : writeLine(io.stdout, line)));
      if (options.json) writeLine(io.stdout, JSON.stringify(result));
      else writeLine(io.stdout, result.outcome === 'updated' ? `${result.service} now runs ${result.to} (was ${result.from}); recorded in ${configPath}.` : `${result.service} already runs ${result.to}.`);
    });
}
