import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePlaceholders } from '../../src/certs/placeholder.js';
import { CertificateStore, CertificateStoreError } from '../../src/adapters/certificate-store.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';

let dir: string;
const window = { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 90 * 86_400_000) };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CertificateStore', () => {
  it('stores key and chain 0600 with metadata readable without the CA; no temp files left', async () => {
    const store = new CertificateStore(dir);
    const pair = await generateCertificate({ names: ['a.com', 'www.a.com'], ...window });
    const meta = await store.save('a.com', pair.keyPem, pair.certPem, { names: ['a.com', 'www.a.com'] });
    expect(meta).toMatchObject({ sans: ['a.com', 'www.a.com'], issuer: 'a.com', placeholder: false, notAfter: new Date(Math.floor(window.notAfter.getTime() / 1000) * 1000).toISOString() });
    expect(meta.serial).toMatch(/^[0-9a-f]+$/);
    const paths = store.paths('a.com');
    expect(paths.key).toBe(join(dir, '.swarm-wiz', 'certs', 'a.com', 'privkey.pem'));
    expect((await stat(paths.key)).mode & 0o777).toBe(0o600);
    expect((await stat(paths.fullchain)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(paths.meta, 'utf8'))).toEqual(meta);
    expect((await readdir(join(dir, '.swarm-wiz', 'certs', 'a.com'))).sort()).toEqual(['fullchain.pem', 'meta.json', 'privkey.pem']);
    expect((await store.read('a.com'))?.keyPem).toBe(pair.keyPem);
  });

  it('refuses a key that does not belong to the certificate, or one that misses a name, and keeps the old pair', async () => {
    const store = new CertificateStore(dir);
    const good = await generateCertificate({ names: ['a.com'], ...window });
    await store.save('a.com', good.keyPem, good.certPem);
    const other = await generateCertificate({ names: ['a.com'], ...window });
    await expect(store.save('a.com', other.keyPem, good.certPem)).rejects.toThrow('the private key for a.com does not match its certificate; nothing was stored');
    const narrow = await generateCertificate({ names: ['a.com'], ...window });
    await expect(store.save('a.com', narrow.keyPem, narrow.certPem, { names: ['a.com', 'www.a.com'] })).rejects.toThrow('the certificate for a.com does not cover www.a.com; nothing was stored');
    await expect(store.save('a.com', good.keyPem, 'not a certificate')).rejects.toBeInstanceOf(CertificateStoreError);
    expect(await readFile(store.paths('a.com').fullchain, 'utf8')).toBe(good.certPem);
    expect(await readFile(store.paths('a.com').key, 'utf8')).toBe(good.keyPem);
  });

  it('rejects a domain that could escape the store directory', () => {
    const store = new CertificateStore(dir);
    expect(() => store.paths('../../etc')).toThrow(CertificateStoreError);
    expect(() => store.paths('a.com/../../x')).toThrow(CertificateStoreError);
  });

  it('placeholders: self-signed for every site without a certificate, never replacing one', async () => {
    const store = new CertificateStore(dir);
    const real = await generateCertificate({ names: ['b.com'], ...window });
    await store.save('b.com', real.keyPem, real.certPem);
    const created = await ensurePlaceholders(store, [
      { domain: 'a.com', altNames: ['www.a.com'] },
      { domain: 'b.com', altNames: [] },
    ]);
    expect(created).toEqual(['a.com']);
    expect(await store.readMeta('a.com')).toMatchObject({ placeholder: true, sans: ['a.com', 'www.a.com'], issuer: 'a.com' });
    expect(await readFile(store.paths('b.com').fullchain, 'utf8')).toBe(real.certPem);
  });
});

describe('writeProxyCertificates', () => {
  it('copies stored certificates to proxy/certs/<domain>/ (0600) where compose reads them, only when changed', async () => {
    const { writeProxyCertificates } = await import('../../src/certs/proxy-files.js');
    const store = new CertificateStore(dir);
    const sites = [
      { domain: 'a.com', altNames: ['www.a.com'] },
      { domain: 'b.com', altNames: [] },
    ];
    await ensurePlaceholders(store, sites.slice(0, 1));
    expect(await writeProxyCertificates(store, sites, dir)).toEqual(['a.com']);
    const chain = join(dir, 'proxy', 'certs', 'a.com', 'fullchain.pem');
    expect(await readFile(chain, 'utf8')).toBe((await store.read('a.com'))?.fullchainPem);
    expect((await stat(join(dir, 'proxy', 'certs', 'a.com', 'privkey.pem'))).mode & 0o777).toBe(0o600);
    expect(await writeProxyCertificates(store, sites, dir)).toEqual([]);
    const real = await generateCertificate({ names: ['a.com', 'www.a.com'], ...window });
    await store.save('a.com', real.keyPem, real.certPem, { names: ['a.com', 'www.a.com'] });
    expect(await writeProxyCertificates(store, sites, dir)).toEqual(['a.com']);
    expect(await readFile(chain, 'utf8')).toBe(real.certPem);
  });
});

describe('bootstrapProxyCertificates', () => {
  it('gives a fresh project a placeholder per site in proxy/certs/, and is a no-op the second time', async () => {
    const { bootstrapProxyCertificates } = await import('../../src/certs/bootstrap.js');
    const { seedConfigUnderTest } = await import('../certs/harness.js');
    const config = seedConfigUnderTest('https://pebble.invalid/dir');
    expect(await bootstrapProxyCertificates(config, dir)).toEqual({ placeholders: ['a.test', 'b.test', 'c.test'], written: ['a.test', 'b.test', 'c.test'] });
    expect(await bootstrapProxyCertificates(config, dir)).toEqual({ placeholders: [], written: [] });
    expect((await readdir(join(dir, 'proxy', 'certs'))).sort()).toEqual(['a.test', 'b.test', 'c.test']);
  });
});
