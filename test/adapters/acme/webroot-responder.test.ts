import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IssuanceError } from '../../../src/adapters/acme/errors.js';
import { WebrootResponder } from '../../../src/adapters/acme/webroot-responder.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-webroot-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('WebrootResponder', () => {
  it('writes the key authorization world-readable under .well-known/acme-challenge and removes it', async () => {
    const responder = new WebrootResponder(dir);
    const challenge = { identifier: 'a.com', token: 'abc_DEF-123', keyAuthorization: 'abc_DEF-123.thumbprint' };
    await responder.present(challenge);
    const file = join(dir, '.well-known', 'acme-challenge', 'abc_DEF-123');
    expect(await readFile(file, 'utf8')).toBe('abc_DEF-123.thumbprint');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await responder.remove(challenge);
    expect(await readdir(join(dir, '.well-known', 'acme-challenge'))).toEqual([]);
  });

  it('never lets a token from the CA choose a path outside the webroot', async () => {
    const responder = new WebrootResponder(join(dir, 'webroot'));
    await expect(responder.present({ identifier: 'a.com', token: '../../escape', keyAuthorization: 'x' })).rejects.toBeInstanceOf(IssuanceError);
    await expect(readdir(dir)).resolves.toEqual([]);
  });
});
