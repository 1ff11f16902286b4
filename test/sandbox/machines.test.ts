import { describe, expect, it } from 'vitest';
import { checkPackages, type CommandProbe } from './machines.js';

/** A machine that has these commands (path → `--version` output). */
const machineWith =
  (commands: Record<string, string>): CommandProbe =>
  async (command, withVersion) =>
    command in commands ? { path: `/usr/bin/${command}`, ...(withVersion ? { version: commands[command] } : {}) } : {};

describe("the cloud-init stand-in's packages: (pure)", () => {
  it('accepts packages whose command the machine has, node 20 or newer for nodejs', async () => {
    const checked = await checkPackages(['nodejs', 'docker.io', 'busybox', 'cron', 'openssh-client'], machineWith({ node: 'v20.20.2\n', docker: '', busybox: '', crontab: '', ssh: '' }));
    expect(checked.problems).toEqual([]);
    expect(checked.found).toContain('nodejs: /usr/bin/node (v20.20.2)');
    expect(checked.found).toContain('cron: /usr/bin/crontab');
  });

  it('names a package whose command is missing, too old, or that it does not know', async () => {
    const checked = await checkPackages(['cron', 'nodejs', 'postgresql'], machineWith({ node: 'v18.19.0' }));
    expect(checked.problems).toHaveLength(3);
    expect(checked.problems[0]).toMatch(/^cron is missing: no crontab on PATH/);
    expect(checked.problems[1]).toMatch(/^nodejs is too old: \/usr\/bin\/node is v18\.19\.0, not 20 or newer/);
    expect(checked.problems[2]).toMatch(/^postgresql would have to be installed/);
  });
});
