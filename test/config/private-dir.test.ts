import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateAccountKey } from '../../src/adapters/acme/account-key.js';
import { writeFileAtomic } from '../../src/config/fs-atomic.js';
import { withProjectLock } from '../../src/adapters/project-lock.js';
import { ensureLocalSshKey } from '../../src/adapters/ssh-key.js';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { emptyState, saveState } from '../../src/state/index.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'swarm-wiz-private-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('.swarm-wiz/ is made 0700 by whatever creates it first', () => {
  it.each([
    ['the state', (dir: string) => saveState(dir, emptyState('demo'))],
    ['a lock', (dir: string) => withProjectLock(dir, 'apply', () => writeFileAtomic(join(dir, '.swarm-wiz', 'x'), 'x'))],
    ['the SSH key', (dir: string) => ensureLocalSshKey(dir, 'demo')],
    ['the ACME account key', (dir: string) => loadOrCreateAccountKey(dir, 'https://acme.test/directory')],
    ['a certificate record', (dir: string) => new CertificateStore(dir).writeRenewal('a.com', { lastAttempt: 'now' } as never)],
    ['any file written inside it', (dir: string) => writeFileAtomic(join(dir, '.swarm-wiz', 'certs', 'a.com', 'meta.json'), '{}')],
  ])('%s, in a project folder that does not exist yet', async (_, create) => {
    const dir = join(root, 'project');
    await create(dir);
    expect(await modeOf(join(dir, '.swarm-wiz'))).toBe(0o700);
  });

  it('folders made inside it are 0700 too; folders above it keep the usual mode', async () => {
    await mkdir(join(root, 'project'));
    const before = await modeOf(join(root, 'project'));
    await writeFileAtomic(join(root, 'project', '.swarm-wiz', 'certs', 'a.com', 'privkey.pem'), 'k', 0o600);
    expect(await modeOf(join(root, 'project', '.swarm-wiz', 'certs'))).toBe(0o700);
    expect(await modeOf(join(root, 'project', '.swarm-wiz', 'certs', 'a.com'))).toBe(0o700);
    expect(await modeOf(join(root, 'project'))).toBe(before);
  });
});
