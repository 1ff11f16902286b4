import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { authorizeKey, ensureSshKey, parseNodeMajor } from '../../src/commands/index.js';

describe('support server commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swz-support-cmd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the Node.js major version', () => {
    expect(parseNodeMajor('v20.19.2\n')).toBe(20);
    expect(parseNodeMajor('v18.19.0')).toBe(18);
    expect(parseNodeMajor('sh: node: not found')).toBeUndefined();
  });

  it('makes the key once and prints its public half; hostile values stay arguments', async () => {
    const path = join(dir, 'ssh dir', "id_'ed25519");
    const command = ensureSshKey(path, 'swarm-wiz-support:demo; touch /tmp/pwned');
    expect(command.argv.slice(0, 2)).toEqual(['sh', '-c']);
    const first = await execa(command.argv[0]!, command.argv.slice(1));
    expect(first.stdout).toMatch(/^ssh-ed25519 \S+ swarm-wiz-support:demo; touch \/tmp\/pwned$/);
    const again = await execa(command.argv[0]!, command.argv.slice(1));
    expect(again.stdout).toBe(first.stdout);
  });

  it('authorises a line once and replaces the line of an older key with the same comment', async () => {
    // The script writes root's authorized_keys: run it with that path pointed at a temp file (sed on the argv only).
    const file = join(dir, 'authorized_keys');
    writeFileSync(file, 'ssh-ed25519 AAAAoperator operator@laptop\nfrom="10.0.0.9" ssh-ed25519 AAAAold swarm-wiz-support:demo\n');
    const run = async (line: string) => {
      const command = authorizeKey(line, 'swarm-wiz-support:demo');
      const script = command.argv[2]!.replaceAll('/root/.ssh/authorized_keys', file).replaceAll('mkdir -p /root/.ssh', `mkdir -p ${dir}`);
      await execa('sh', ['-c', script, ...command.argv.slice(3)]);
    };
    const line = 'from="10.0.0.5",no-agent-forwarding ssh-ed25519 AAAAnew swarm-wiz-support:demo';
    await run(line);
    await run(line);
    expect(readFileSync(file, 'utf8')).toBe(`ssh-ed25519 AAAAoperator operator@laptop\n${line}\n`);
  });
});
