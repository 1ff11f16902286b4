import { authorizeKey, ensureSshKey, hashFiles, installCrontab, keyAuthorized, makeDir, nodeVersion, parseHashes, parseNodeMajor, readCrontab, writeFile } from '../commands/index.js';
import type { SupportStep } from '../plan/index.js';
import { runAll, type DeployContext } from './deploy-context.js';
import { StepFailed } from './failure.js';
import { sha256Hex } from '../../recipes/names.js';


/** The launcher last: cron never starts a renewal with a half-copied folder (the crontab comes after the files). */
const order = (a: string, b: string): number => Number(a === 'bin/swarm-wiz') - Number(b === 'bin/swarm-wiz') || a.localeCompare(b);


/**
 * Sets up (or brings up to date) the support server: checks Node.js, writes the changed files of the
 * copy atomically (keys 0600), makes its SSH key there once and authorises it on every swarm node,
 * installs the crontab, and runs the installed swarm-wiz once (`--help`) to prove it starts.
 */
export async function support(ctx: DeployContext, step: SupportStep): Promise<string> {
  const setup = ctx.support;
  if (!setup) throw new StepFailed(step.id, { message: 'no support server to set up in this run', hint: 'Report a swarm-wiz bug: the plan has a support step without its files.' });
  const shell = ctx.target.shell(step.node);
  const progress = (message: string) => ctx.emit({ type: 'step-progress', stepId: step.id, message });

  const version = await shell.probe(nodeVersion, { signal: ctx.signal });
  const major = version.exitCode === 0 ? parseNodeMajor(version.stdout) : undefined;
  if (major === undefined || major < setup.minNodeMajor) {
    throw new StepFailed(step.id, {
      message: `${step.node} has ${major === undefined ? 'no Node.js' : `Node.js ${version.stdout.trim()}`}; swarm-wiz needs ${setup.minNodeMajor} or newer there to renew from cron`,
      hint: `cloud-init installs Debian's nodejs package (the droplet image debian-13-x64 has Node.js 20). Install it on ${step.node} (apt-get install nodejs), or recreate the support droplet, then run apply again.`,
    });
  }

  const desired = await setup.files();
  const current = parseHashes((await shell.probe(hashFiles(step.dir), { signal: ctx.signal })).stdout, step.dir);
  const changed = [...desired.keys()].filter((path) => current.get(path) !== sha256Hex(desired.get(path)!.content)).sort(order);
  await runAll(ctx, step.id, shell, [...makeDir(step.dir, 0o700), ...makeDir(`${step.dir}/.swarm-wiz`, 0o700)]);
  for (const path of changed) {
    progress(`writing ${path}`);
    const file = desired.get(path)!;
    await runAll(ctx, step.id, shell, writeFile(`${step.dir}/${path}`, file.content, file.mode));
  }

  const publicKey = (await shell.run(ensureSshKey(setup.keyPath, setup.keyComment), { signal: ctx.signal })).stdout.trim().split('\n').pop() ?? '';
  if (!/^ssh-ed25519 \S+/.test(publicKey)) throw new StepFailed(step.id, { message: `the support server's SSH key on ${step.node} could not be read (${setup.keyPath}.pub)`, hint: `Remove ${setup.keyPath}* on ${step.node} and run apply again.` });
  const line = setup.authorizedLine(publicKey);
  const authorised: string[] = [];
  await Promise.all(
    setup.swarmNodes.map(async (node) => {
      const nodeShell = ctx.target.shell(node);
      if ((await nodeShell.probe(keyAuthorized(line), { signal: ctx.signal })).exitCode === 0) return;
      await nodeShell.run(authorizeKey(line, setup.keyComment), { signal: ctx.signal });
      authorised.push(node);
    }),
  );

  const crontabNow = await shell.probe(readCrontab, { signal: ctx.signal });
  const crontab = crontabNow.exitCode !== 0 || crontabNow.stdout !== setup.crontab;
  if (crontab) {
    await runAll(ctx, step.id, shell, writeFile(`${step.dir}/crontab`, setup.crontab, 0o644));
    await shell.run(installCrontab(`${step.dir}/crontab`), { signal: ctx.signal });
  }

  const started = await shell.probe({ argv: [`${step.dir}/bin/swarm-wiz`, '--help'], description: 'run the installed swarm-wiz once' }, { signal: ctx.signal });
  if (started.exitCode !== 0) {
    throw new StepFailed(step.id, {
      message: `the swarm-wiz installed on ${step.node} does not start: ${(started.stderr || started.stdout).trim().split('\n').slice(-2).join(' / ')}`,
      hint: 'Check the Node.js version there (node --version, 20 or newer) and report a swarm-wiz bug with that line.',
    });
  }
  const did = [
    ...(changed.length > 0 ? [`${changed.length} file${changed.length === 1 ? '' : 's'} copied`] : []),
    ...(authorised.length > 0 ? [`key authorised on ${authorised.sort().join(', ')}`] : []),
    ...(crontab ? ['crontab installed'] : []),
  ];
  return `${did.length > 0 ? did.join(', ') : 'up to date'}; swarm-wiz runs there with Node.js ${version.stdout.trim()}`;
}
