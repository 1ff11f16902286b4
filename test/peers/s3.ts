/**
 * S3-compatible storage for tests of backups (restic to DigitalOcean Spaces in production): the npm
 * package s3rver 3.7 (filesystem storage, in this process), over HTTPS with a throwaway CA, on a free
 * port of `address` (127.0.0.1 unless given), holding one bucket.
 *
 * Why HTTPS: over plain HTTP restic's uploads (minio-go's streaming chunked signature) are stored
 * corrupted by s3rver; over HTTPS (what Spaces serves) minio-go sends plain bodies.
 *
 * What s3rver checks, and what it does not: a request signed with an access key id other than the
 * given one is refused (403 InvalidAccessKeyId); the default pair S3RVER/S3RVER is removed. A SigV4
 * signature itself is never checked ("unimplemented" in s3rver): the right key id with a wrong secret
 * is accepted, and so is an unsigned (anonymous) request. The registry of key pairs is one per
 * process: two peers running at once in one test file accept each other's keys.
 *
 * ```ts
 * const s3 = await startS3({ dir, bucket: 'backups', accessKeyId: 'AKTEST', secretAccessKey: 'secret' });
 * // RESTIC_REPOSITORY=s3:${s3.endpoint}/backups/proj, RESTIC_CACERT=${s3.caFile}
 * await s3.stop(); // the server is closed, its data and CA file are gone; dir itself is the caller's
 * ```
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';
import { generateCertificate } from '../../src/certs/x509-generate.js';

export interface S3Peer {
  /** `https://ADDRESS:PORT`: path-style buckets (`<endpoint>/<bucket>/<key>`). */
  endpoint: string;
  /** PEM of the CA that signed the server's certificate (RESTIC_CACERT, NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** Where s3rver stores its buckets: `<dataDir>/<bucket>/<key>._S3rver_object` and metadata beside it. */
  dataDir: string;
  /** The bytes stored in the bucket now: the sum of its objects' sizes (s3rver's metadata files not counted). */
  storedBytes(): Promise<number>;
  /** Closes the server, revokes the key pair and removes the data and the CA file. */
  stop(): Promise<void>;
}

export { RESTIC_BINARY, requireRestic, resticBinary } from './restic.js';

/** The suffix s3rver gives the file holding an object's content. */
const OBJECT_SUFFIX = '._S3rver_object';

/** The bytes of every object stored under `dir` (a bucket's folder in an s3rver data dir). */
export async function objectBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await objectBytes(path);
    else if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX)) total += (await stat(path)).size;
  }
  return total;
}

export async function startS3(options: { dir: string; bucket: string; accessKeyId: string; secretAccessKey: string; address?: string; port?: number }): Promise<S3Peer> {
  const address = options.address ?? '127.0.0.1';
  const root = await mkdtemp(join(options.dir, 's3-'));
  const dataDir = join(root, 'data');
  const caFile = join(root, 'ca.pem');
  const now = Date.now();
  const validity = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 2 * 86_400_000) };
  const ca = await generateCertificate({ names: [], commonName: 'swarm-wiz test S3 CA', isCa: true, ...validity });
  const server = await generateCertificate({ names: [isIP(address) ? `ip:${address}` : address], issuer: ca, ...validity });
  await writeFile(caFile, ca.certPem);

  AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(options.accessKeyId, options.secretAccessKey);
  const s3 = new S3rver({ address, port: options.port ?? 0, directory: dataDir, silent: true, key: server.keyPem, cert: server.certPem, configureBuckets: [{ name: options.bucket }] });
  let listening: { port: number };
  try {
    listening = await s3.run();
  } catch (error) {
    AWSAccount.DUMMY_ACCOUNT.revokeAccessKey(options.accessKeyId);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    endpoint: `https://${isIP(address) === 6 ? `[${address}]` : address}${listening.port === 443 ? '' : `:${listening.port}`}`,
    caFile,
    dataDir,
    storedBytes: () => objectBytes(join(dataDir, options.bucket)),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      s3.httpServer?.closeAllConnections();
      await s3.close();
      AWSAccount.DUMMY_ACCOUNT.revokeAccessKey(options.accessKeyId);
      await rm(root, { recursive: true, force: true });
    },
  };
}
