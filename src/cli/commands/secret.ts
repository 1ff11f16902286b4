import type { Command } from 'commander';
import { isLocalTarget, projectPaths, withCommonOptions, type CommonOptions } from '../common-options.js';
import { prompterOf, readAll, writeLine, type CliIo } from '../io.js';

interface SecretOptions extends CommonOptions {
  target?: string;
}


/**
 * `swarm-wiz secret set NAME` and `swarm-wiz secret ls`: the services' secrets, stored only as Swarm
 * secrets through a manager. A value is read from stdin (not a terminal) or a masked prompt asked twice,
 * and is never printed, logged or written to a file. Exit 0 done, 1 a failure (a rollback, no manager),
 * 2 a bad name or value.
 */
export function registerSecretCommand(program: Command, io: CliIo): void {
  const secret = program.command('secret').description("the services' secrets (Swarm secrets, never in swarm-wiz.yaml or the state)");
  withCommonOptions(secret.command('set'))
    .argument('<name>', "a secret some service's secrets: list declares in swarm-wiz.yaml")
    .option('--target <target>', "local: this machine's Docker engine (as apply --target local)")
    .description('store a new value of a secret (stdin, or a masked prompt) and roll it out to the services that use it')
    .action(async (name: string, options: SecretOptions) => {
      const { secretSet } = await import('../../app/secrets.js');
      const { configPath, dir } = projectPaths(options, io);
      const result = await secretSet(
        { configPath, dir, name, local: isLocalTarget(options.target) },
        { readValue: () => readValue(io, name), onProgress: (line) => (options.json ? undefined : writeLine(io.stdout, line)) },
      );
      if (options.json) writeLine(io.stdout, JSON.stringify(result));
      else {
        writeLine(io.stdout, `${result.name}: version ${result.version} stored (${result.swarmName}).`);
        writeLine(io.stdout, result.updated.length > 0 ? `Updated: ${result.updated.join(', ')}.` : 'No deployed service uses it yet: the next apply mounts it at /run/secrets/' + result.name + '.');
        if (result.removed.length > 0) writeLine(io.stdout, `Removed old versions: ${result.removed.join(', ')}.`);
      }
    });
  withCommonOptions(secret.command('ls'))
    .option('--target <target>', "local: this machine's Docker engine (as apply --target local)")
    .description('list the secrets: current version, when it was set, the services using it (never a value)')
    .action(async (options: SecretOptions) => {
      const { secretList } = await import('../../app/secrets.js');
      const { configPath, dir } = projectPaths(options, io);
      const secrets = await secretList({ configPath, dir, local: isLocalTarget(options.target) });
      if (options.json) {
        writeLine(io.stdout, JSON.stringify(secrets));
        return;
      }
      if (secrets.length === 0) writeLine(io.stdout, "No secrets: a service declares one with secrets: [NAME] in swarm-wiz.yaml.");
      for (const entry of secrets) {
        const state = entry.set ? `version ${entry.version} (${entry.swarmName}), set ${entry.createdAt ?? 'at an unknown time'}` : `not set: run swarm-wiz secret set ${entry.name}`;
        const users = entry.usedBy.length > 0 ? `used by ${entry.usedBy.map((use) => `${use.service} (v${use.version})`).join(', ')}` : 'used by no running service';
        const declared = entry.undeclared ? 'declared by no service in swarm-wiz.yaml' : `declared by ${entry.declaredBy.join(', ')}`;
        writeLine(io.stdout, `${entry.name}: ${state}; ${declared}; ${users}`);
      }
    });
}

/** From stdin when it is not a terminal; else a masked prompt asked twice, until both answers match. */
async function readValue(io: CliIo, name: string): Promise<Uint8Array> {
  if (!(io.stdin as { isTTY?: boolean }).isTTY) return readAll(io.stdin);
  const prompter = await prompterOf(io);
  const nonEmpty = (answer: string) => (answer.length > 0 ? true : 'the value is empty');
  for (;;) {
    const first = await prompter.password({ message: `Value of ${name}`, validate: nonEmpty });
    const again = await prompter.password({ message: `Value of ${name} again` });
    if (first === again) return Buffer.from(first);
    writeLine(io.stderr, 'The two values differ; type it again.');
  }
}
