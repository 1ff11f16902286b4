import type { Command } from 'commander';
import { projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { CliExit, EXIT } from '../exit.js';
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
    .description('roll out a new image of one service (rolling, gated on its health path, rolled back when it fails) and record it in swarm-wiz.yaml')
    .action(async (service: string, options: DeployOptions) => {
      const [{ loadConfig, parseConfig }, { deployService, ServiceDeployError }] = await Promise.all([import('../../config/index.js'), import('../../app/deploy-service.js')]);
      const { configPath, dir } = projectPaths(options, io);
      const config = await loadConfig(configPath);
      const image = options.image ?? '';
      // The image is checked like the one in swarm-wiz.yaml would be: the config with it must be valid.
      try {
        parseConfig({ ...config, sites: config.sites.map((site) => ({ ...site, service: site.service.name === service ? { ...site.service, image } : site.service, private: site.private.map((svc) => (svc.name === service ? { ...svc, image } : svc)) })) });
      } catch (error) {
        throw new CliExit(EXIT.usage, `--image: ${(error as Error).message.split('\n').slice(1).join(' ').trim() || (error as Error).message}`);
      }
      try {
        const result = await deployService({ config, configPath, dir, service, image, onProgress: (line) => (options.json ? undefined : writeLine(io.stdout, line)) });
        if (options.json) writeLine(io.stdout, JSON.stringify(result));
        else writeLine(io.stdout, result.outcome === 'updated' ? `${result.service} now runs ${result.to} (was ${result.from}); recorded in ${configPath}.` : `${result.service} already runs ${result.to}.`);
      } catch (error) {
        if (error instanceof ServiceDeployError) throw new CliExit(/^no service /.test(error.message) ? EXIT.usage : EXIT.failure, `${error.message}\n${error.hint}`);
        throw error;
      }
    });
}
