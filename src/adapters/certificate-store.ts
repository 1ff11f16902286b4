import { join } from 'node:path';
import { readOptional, writeFileAtomic } from '../config/fs-atomic.js';
import { certificateMeta, keyMatchesCertificate, type CertificateMeta } from './certificate-metadata.js';
import { showValue } from '../config/show-value.js';

/** A certificate as stored for one site. */
export interface StoredCertificate {
  domain: string;
  keyPem: string;
  fullchainPem: string;
  meta: CertificateMeta;
}

/** The outcome of the last renewal attempt for a site, for `status` and monitoring. */
export interface RenewalRecord {
  lastAttemptAt: string;
  lastSuccessAt?: string;
  /** One line; absent after a success. */
  lastError?: string;
  /** When the CA said to try again (rate limits). */
  retryAfter?: string;
}

export class CertificateStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateStoreError';
  }
}

const NAME = /^(\*\.)?[a-z0-9.-]+$/;

/**
 * Certificates per site under `<dir>/.swarm-wiz/certs/<domain>/`: `privkey.pem` and
 * `fullchain.pem` (0600), `meta.json` (serial, dates, issuer, SANs) and `renewal.json`.
 * Each file is written atomically; a pair is only written after it was checked (the key
 * matches, the names are covered), so a failed renewal never replaces a working certificate.
 */
export class CertificateStore {
  constructor(readonly projectDir: string) {}

  dirOf(domain: string): string {
    if (!NAME.test(domain)) throw new CertificateStoreError(`${showValue(domain)} is not a domain name the store can hold`);
    return join(this.projectDir, '.swarm-wiz', 'certs', domain.replace(/^\*\./, '_wildcard.'));
  }

  paths(domain: string): { key: string; fullchain: string; meta: string; renewal: string } {
    const dir = this.dirOf(domain);
    return { key: join(dir, 'privkey.pem'), fullchain: join(dir, 'fullchain.pem'), meta: join(dir, 'meta.json'), renewal: join(dir, 'renewal.json') };
  }

  /** The stored metadata, or undefined when nothing is stored. Reads no key. */
  async readMeta(domain: string): Promise<CertificateMeta | undefined> {
    const text = await readOptional(this.paths(domain).meta);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as CertificateMeta;
    } catch {
      throw new CertificateStoreError(`${this.paths(domain).meta} is not valid JSON`);
    }
  }

  /** Key, chain and metadata; checks that the key belongs to the certificate. */
  async read(domain: string): Promise<StoredCertificate | undefined> {
    const paths = this.paths(domain);
    const [keyPem, fullchainPem, meta] = await Promise.all([readOptional(paths.key), readOptional(paths.fullchain), this.readMeta(domain)]);
    if (keyPem === undefined || fullchainPem === undefined || meta === undefined) return undefined;
    if (!keyMatchesCertificate(keyPem, fullchainPem)) {
      throw new CertificateStoreError(`${paths.key} does not belong to ${paths.fullchain}; re-issue with swarm-wiz renew --force`);
    }
    return { domain, keyPem, fullchainPem, meta };
  }

  /** Stores a checked key + chain. Throws before touching the disk when they do not fit together. */
  async save(domain: string, keyPem: string, fullchainPem: string, options: { placeholder?: boolean; names?: string[]; caDirectoryUrl?: string; profile?: string } = {}): Promise<CertificateMeta> {
    let meta: CertificateMeta;
    try {
      meta = certificateMeta(fullchainPem, options.placeholder === true);
      if (options.caDirectoryUrl) meta.caDirectoryUrl = options.caDirectoryUrl;
      if (options.profile) meta.profile = options.profile;
    } catch (error) {
      throw new CertificateStoreError(`the certificate for ${domain} cannot be read: ${(error as Error).message}`);
    }
    if (!keyMatchesCertificate(keyPem, fullchainPem)) throw new CertificateStoreError(`the private key for ${domain} does not match its certificate; nothing was stored`);
    const missing = (options.names ?? [domain]).filter((name) => !meta.sans.includes(name));
    if (missing.length > 0) throw new CertificateStoreError(`the certificate for ${domain} does not cover ${missing.join(', ')}; nothing was stored`);
    const paths = this.paths(domain);
    await writeFileAtomic(paths.key, keyPem, 0o600);
    await writeFileAtomic(paths.fullchain, fullchainPem, 0o600);
    await writeFileAtomic(paths.meta, JSON.stringify(meta, null, 2) + '\n', 0o644);
    return meta;
  }

  /** Rewrites the metadata of the stored certificate (its ARI schedule); key and chain stay as they are. */
  async writeMeta(domain: string, meta: CertificateMeta): Promise<void> {
    await writeFileAtomic(this.paths(domain).meta, JSON.stringify(meta, null, 2) + '\n', 0o644);
  }

  async readRenewal(domain: string): Promise<RenewalRecord | undefined> {
    const text = await readOptional(this.paths(domain).renewal);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as RenewalRecord;
    } catch {
      return undefined;
    }
  }

  async writeRenewal(domain: string, record: RenewalRecord): Promise<void> {
    await writeFileAtomic(this.paths(domain).renewal, JSON.stringify(record, null, 2) + '\n', 0o644);
  }
}
