import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureLocalSshKey, sshKeyPath } from '../../src/adapters/ssh-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-ssh-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `ensureLocalSshKey`, failing the test instead of hanging when ssh-keygen waits for an answer. */
function ensureWithin(ms: number, comment = 'swarm-wiz-demo'): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ensureLocalSshKey did not finish within ${ms} ms (ssh-keygen waiting for an answer?)`)), ms);
  });
  return Promise.race([ensureLocalSshKey(dir, comment), timeout]).finally(() => clearTimeout(timer));
}

/** A key pair made outside swarm-wiz, as a previous run (or a restore from a backup) left it. */
async function existingKey(): Promise<{ privateKey: string; body: string }> {
  const path = sshKeyPath(dir);
  await mkdir(join(dir, '.swarm-wiz', 'ssh'), { recursive: true, mode: 0o700 });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'old', '-f', path], { stdin: 'ignore' });
  const body = (await readFile(`${path}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  return { privateKey: await readFile(path, 'utf8'), body };
}

const bodyOf = (publicKey: string) => publicKey.split(/\s+/).slice(0, 2).join(' ');

describe('ensureLocalSshKey', () => {
  it('the first time: makes an ed25519 pair, the private half 0600 in a 0700 folder', async () => {
    const publicKey = await ensureWithin(20_000);
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=* swarm-wiz-demo$/);
    expect((await stat(sshKeyPath(dir))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, '.swarm-wiz', 'ssh'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, '.swarm-wiz'))).mode & 0o777).toBe(0o700);
    expect(await ensureWithin(20_000)).toBe(publicKey);
  });

  it('a private key without its .pub: derives the .pub from it, never asks ssh-keygen to overwrite, keeps the private key', async () => {
    const { privateKey, body } = await existingKey();
    await rm(`${sshKeyPath(dir)}.pub`);
    const publicKey = await ensureWithin(10_000);
    expect(bodyOf(publicKey)).toBe(body);
    expect(await readFile(sshKeyPath(dir), 'utf8')).toBe(privateKey);
    expect(bodyOf(await readFile(`${sshKeyPath(dir)}.pub`, 'utf8'))).toBe(body);
  }, 30_000);

  it.each([
    ['empty (a full disk)', ''],
    ['not a public key', 'garbage\n'],
    ['of another key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ6i1wRJ5sF0oEJ8h0bAq5nQ2sHqo5gH1vH0bS7c3lHq other\n'],
    ['of another type', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 other\n'],
  ])('a .pub that is %s: is made again from the private key, atomically', async (_, content) => {
    const { privateKey, body } = await existingKey();
    await writeFile(`${sshKeyPath(dir)}.pub`, content);
    const publicKey = await ensureWithin(10_000);
    expect(bodyOf(publicKey)).toBe(body);
    expect(bodyOf(await readFile(`${sshKeyPath(dir)}.pub`, 'utf8'))).toBe(body);
    expect(await readFile(sshKeyPath(dir), 'utf8')).toBe(privateKey);
  }, 30_000);

  it.each([
    ['without a .pub', false],
    ['with a valid-looking .pub', true],
  ])('a corrupt private key %s: a clear error naming the file and what to do, and the file is kept', async (_, withPub) => {
    const { body } = await existingKey();
    await writeFile(sshKeyPath(dir), 'not a key\n', { mode: 0o600 });
    if (withPub) await writeFile(`${sshKeyPath(dir)}.pub`, `${body} old\n`);
    else await rm(`${sshKeyPath(dir)}.pub`);
    const attempt = ensureWithin(10_000);
    await expect(attempt).rejects.toThrow(`${sshKeyPath(dir)} cannot be used as swarm-wiz's SSH key`);
    await expect(attempt).rejects.toThrow(/Restore \.swarm-wiz\/ssh\/ from a backup/);
    expect(await readFile(sshKeyPath(dir), 'utf8')).toBe('not a key\n');
  }, 30_000);
});
