/** The parts of s3rver 3.7 (no types of its own) that test/peers/s3.ts uses. */
declare module 's3rver' {
  import type { Server } from 'node:http';

  interface S3rverOptions {
    address?: string;
    /** 0: a free port. */
    port?: number;
    /** Where buckets and objects are stored (one folder per bucket). */
    directory?: string;
    silent?: boolean;
    /** PEM; with `cert`, it serves HTTPS. */
    key?: string | Buffer;
    cert?: string | Buffer;
    configureBuckets?: { name: string }[];
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** The listening HTTP(S) server once `run()` resolved. */
    httpServer?: Server;
    /** Creates the configured buckets and listens. */
    run(): Promise<{ address: string; port: number; family: string }>;
    close(): Promise<void>;
  }

  export = S3rver;
}

declare module 's3rver/lib/models/account.js' {
  /** An account and its key pairs; `registry` maps every registered access key id to its account. */
  class AWSAccount {
    constructor(accountId: number, displayName: string);
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
    revokeAccessKey(accessKeyId: string): void;
    accessKeys: Map<string, string>;
    static registry: Map<string, AWSAccount>;
    /** The account every request is made as; holds the default pair S3RVER/S3RVER when loaded. */
    static DUMMY_ACCOUNT: AWSAccount;
  }

  export = AWSAccount;
}
