import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configToYaml, parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fake-do/index.js';
import { swarmWiz as runSwarmWiz } from '../support/cli.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** The review's 422 body: screen clear, a window title, a carriage return, a forged status line, 200 KB. */
const HOSTILE = `\u001b[2J\u001b[H\u001b]0;pwned\u0007quota exceeded\rall certificates fine\n${'A'.repeat(200_000)}`;

let fake: FakeDigitalOcean;
beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 20 });
});
afterEach(async () => {
  await fake.stop();
});

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-remote-text-'));
  await writeFile(join(dir, 'swarm-wiz.yaml'), configToYaml(parseConfig(SEED_EXAMPLE)));
  return dir;
}

/** The real CLI process (`node --import tsx src/cli/main.ts`), no terminal. */
const swarmWiz = (args: string[], env: Record<string, string>) => runSwarmWiz(args, { env: { CI: 'false', ...env } });

describe('text from a server reaches the terminal only through remoteText', () => {
  it("the review's 422 body from the DigitalOcean API: the output is small, has no control characters, and the message is printed once", async () => {
    const dir = await project();
    fake.faults.next({ status: 422, message: HOSTILE, times: 1000 });
    const result = await swarmWiz(['apply', '--yes', '--config', join(dir, 'swarm-wiz.yaml')], { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url, SWARM_WIZ_OPERATOR_IP: '192.0.2.10' });
    const output = result.stdout + result.stderr;
    console.log(`422 with a 200 KB hostile message: exit ${result.code}, ${output.length} characters of output`);
    expect(result.code).toBe(1);
    expect(output).not.toMatch(CONTROL);
    expect(output.length).toBeLessThan(6_000);
    expect(output.split('quota exceeded')).toHaveLength(2);
    expect(output).toContain('more characters');
    // The forged line never stands on a line of its own.
    expect(output).not.toMatch(/^all certificates fine/m);
  }, 60_000);

  it('a user:password in DIGITALOCEAN_API_URL is never printed', async () => {
    const dir = await project();
    const url = new URL(fake.url);
    url.username = 'user';
    url.password = 's3cretpw';
    const result = await swarmWiz(['apply', '--yes', '--config', join(dir, 'swarm-wiz.yaml')], { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: url.toString(), SWARM_WIZ_OPERATOR_IP: '192.0.2.10' });
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(2);
    expect(output).not.toContain('s3cretpw');
    expect(output).toMatch(/^DIGITALOCEAN_API_URL: holds a user name or password/m);
    expect(fake.requests).toHaveLength(0);
  }, 60_000);
});

describe('a --dir this user may not write', () => {
  it('says the folder is not writable (not a bare EACCES … mkdir), exit 1', async () => {
    const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-readonly-'));
    const { chmod } = await import('node:fs/promises');
    await chmod(root, 0o555);
    // As nobody (root may write anywhere): setpriv is util-linux, argv only.
    const result = await runSwarmWiz(['apply', '--example', '--dir', join(root, 'out'), '--yes'], {
      via: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
      cwd: join(import.meta.dirname, '..', '..'),
      env: { HOME: root, CI: 'false' },
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/is not writable \(this user may not write there; EACCES on mkdir\)/);
  }, 60_000);
});
