/**
 * The backup benchmark's inside, run by backup.bench.ts under `flock /tmp/swz-host-docker.lock` (this
 * machine's Docker engine is shared): the local swarm (`apply --target local`) with a service holding a
 * 1 GiB volume of seeded random data (AES-CTR keystream: not zeros, which compress to nothing), backed
 * up with `swarm-wiz backup now` to the S3 peer (s3rver over HTTPS) with Debian 13's restic; then ten
 * contiguous 1 MiB runs rewritten and backed up again; then `swarm-wiz restore --yes` onto a lost
 * volume. Prints one JSON line: BackupBenchResult.
 */
import { createCipheriv } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { configToYaml, parseConfig } from '../../src/config/index.js';
import { docker, eventually, startLocalHarness, type LocalHarness } from '../e2e/local-harness.js';
import { requireRestic, resticBinary, startS3, type S3Peer } from '../peers/s3.js';
import { runArgv } from '../peers/tools.js';
import { buildDataServiceImage, hostDocker } from '../recipes/private-swarm.js';

export interface BackupBenchResult {
  volumeBytes: number;
  firstSeconds: number;
  firstUploaded: number;
  secondSeconds: number;
  secondUploaded: number;
  changedBytes: number;
  restoreSeconds: number;
  restoredSame: boolean;
}

const PROJECT = 'swzbkp';
const IMAGE = 'swz-local/a1-data:bench';
const VOLUME = `${PROJECT}_a1-data`;
const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
const KEYS = { accessKeyId: 'SWZBENCHKEY00001', secretAccessKey: 'swz-bench-secret-0123456789abcdef' };

/** A deterministic stream of random-looking bytes: AES-256-CTR of zeros under a fixed key. */
function keystream(seed: number) {
  const key = Buffer.alloc(32, seed);
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16, 0));
}

async function main(): Promise<void> {
  requireRestic();
  let h: LocalHarness | undefined;
  let s3: S3Peer | undefined;
  const s3Dir = await mkdtemp(join(tmpdir(), 'swz-bench-s3-'));
  try {
    s3 = await startS3({ dir: s3Dir, bucket: 'bench', ...KEYS });
    h = await startLocalHarness(PROJECT);
    await buildDataServiceImage(hostDocker, IMAGE, 'v1', 5001);
    const config = parseConfig({ ...h.config, sites: h.config.sites.map((site, i) => (i === 0 ? { ...site, private: site.private.map((svc) => ({ ...svc, image: IMAGE, volumes: ['a1-data:/data'] })) } : site)) });
    await writeFile(h.configPath, configToYaml(config));
    const env = { PATH: `${dirname(resticBinary())}:${process.env.PATH}`, SWARM_WIZ_S3_ACCESS_KEY_ID: KEYS.accessKeyId, SWARM_WIZ_S3_SECRET_ACCESS_KEY: KEYS.secretAccessKey };
    const cli = async (args: string[]) => {
      const run = await h!.swarmWiz([...args, '--config', h!.configPath], env);
      if (run.code !== 0) throw new Error(`swarm-wiz ${args.join(' ')} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
      return run;
    };
    await cli(['apply', '--target', 'local', '--yes', '--ca-cert', h.caCertFile]);
    await cli(['backup', 'setup', '--target', 'local', '--endpoint', s3.endpoint, '--bucket', 'bench', '--ca-cert', s3.caFile]);
    const mount = (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', VOLUME])).trim();
    const big = join(mount, 'big.bin');
    const file = await open(big, 'w');
    const stream = keystream(1);
    for (let written = 0; written < SIZE; written += MiB) await file.write(stream.update(Buffer.alloc(MiB)));
    await file.close();

    const timed = async (args: string[]) => {
      const before = await s3!.storedBytes();
      const started = performance.now();
      await cli(args);
      return { seconds: (performance.now() - started) / 1000, uploaded: (await s3!.storedBytes()) - before };
    };
    const first = await timed(['backup', 'now', '--target', 'local']);
    // Ten contiguous 1 MiB runs at spread offsets, rewritten with other random bytes.
    const changing = await open(big, 'r+');
    const other = keystream(2);
    for (let run = 0; run < 10; run++) await changing.write(other.update(Buffer.alloc(MiB)), 0, MiB, (run * 97 + 13) * MiB);
    await changing.close();
    const second = await timed(['backup', 'now', '--target', 'local']);
    const wanted = await runArgv('sha256sum', [big]);

    await docker(['service', 'scale', '--detach', `${PROJECT}_a1=0`]);
    await eventually('a1 stopped', async () => (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_a1`])).trim(), (ids) => ids === '', 60);
    // Lost as on a new droplet: the service's exited containers (which hold the volume) and the volume.
    const containers = (await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${PROJECT}_a1`])).split('\n').filter(Boolean);
    if (containers.length > 0) await docker(['rm', '-f', ...containers]);
    await docker(['volume', 'rm', VOLUME]);
    const restoreStarted = performance.now();
    await cli(['restore', 'a1', '--target', 'local', '--yes']);
    const restoreSeconds = (performance.now() - restoreStarted) / 1000;
    const restoredMount = (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', VOLUME])).trim();
    const got = await runArgv('sha256sum', [join(restoredMount, 'big.bin')]);
    const result: BackupBenchResult = {
      volumeBytes: SIZE,
      firstSeconds: first.seconds,
      firstUploaded: first.uploaded,
      secondSeconds: second.seconds,
      secondUploaded: second.uploaded,
      changedBytes: 10 * MiB,
      restoreSeconds,
      restoredSame: got.stdout.split(' ')[0] === wanted.stdout.split(' ')[0],
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await h?.stop();
    // The swarm's left tasks may still hold the volume: their containers go first.
    const left = (await runArgv('docker', ['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${PROJECT}`])).stdout.split('\n').filter(Boolean);
    if (left.length > 0) await runArgv('docker', ['rm', '-f', ...left]);
    await runArgv('docker', ['volume', 'rm', '-f', VOLUME]);
    await runArgv('docker', ['image', 'rm', '-f', IMAGE]);
    await s3?.stop();
    await rm(s3Dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`backup bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
