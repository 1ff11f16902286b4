import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBackendImage } from '../recipes/private-swarm.js';
import { daemonJson, startCluster, type Cluster } from '../sandbox/cluster.js';
import { bcryptHash, registryConfigText, startRegistry, type RegistryPeer } from './registry.js';

describe('registry peer config', () => {
  it('stores images under its dir and serves plain HTTP on the address given', () => {
    const text = registryConfigText({ address: '10.110.0.2', port: 5000, storage: '/tmp/x/storage' });
    expect(text).toContain('    rootdirectory: /tmp/x/storage\n');
    expect(text).toContain('  addr: 10.110.0.2:5000\n');
    expect(text).not.toContain('tls');
    expect(text).not.toContain('auth:');
    expect(registryConfigText({ address: '127.0.0.1', port: 5000, storage: '/s', htpasswd: '/d/htpasswd' })).toContain('auth:\n  htpasswd:\n    realm: swz-test-registry\n    path: /d/htpasswd\n');
  });

  it('hashes an htpasswd password with bcrypt', () => {
    expect(bcryptHash('pw')).toMatch(/^\$2[aby]\$\d\d\$.{53}$/);
  });

  it("puts the registries into each cluster node's daemon.json, and keeps it {} otherwise", () => {
    expect(daemonJson({ insecureRegistries: ['10.110.0.2:5000'] })).toEqual({ 'insecure-registries': ['10.110.0.2:5000'] });
    expect(daemonJson({})).toEqual({});
    expect(daemonJson({ insecureRegistries: [] })).toEqual({});
  });
});

/**
 * Docker's own delivery path: a real registry (Debian's docker-registry) in the operator namespace
 * of a two-node namespace cluster; the manager's dockerd pushes an image it built, the worker's
 * dockerd (which never had it) pulls it and runs it.
 */
describe('registry peer in the namespace cluster', () => {
  const REGISTRY = { address: '10.110.0.2', port: 5000 };
  const host = `${REGISTRY.address}:${REGISTRY.port}`;
  const image = `${host}/swz/probe:1`;
  let cluster: Cluster | undefined;
  let registry: RegistryPeer | undefined;
  let dir: string;

  const c = () => {
    if (!cluster) throw new Error('the cluster did not start');
    return cluster;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'swz-registry-'));
    cluster = await startCluster({ workers: 1, images: false, insecureRegistries: [host] });
    registry = await startRegistry({ netns: c().operatorNetns, ...REGISTRY, dir });
  }, 180_000);

  afterAll(async () => {
    await registry?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('takes a push from one dockerd and serves the pull of another', async () => {
    const [worker] = c().workers;
    await buildBackendImage(c().manager, image, 'from the registry', 8000);
    await c().manager.docker(['push', image]);
    const catalog = await c().inOperator(['curl', '-sS', '--max-time', '5', `http://${host}/v2/_catalog`]);
    expect(JSON.parse(catalog.stdout)).toEqual({ repositories: ['swz/probe'] });

    await expect(worker!.docker(['image', 'inspect', image])).rejects.toThrow();
    await worker!.docker(['pull', image]);
    const answer = await worker!.docker(['run', '--rm', '--network', 'none', image, '/bin/busybox', 'cat', '/www/index.html']);
    expect(answer.trim()).toBe('from the registry');
  }, 120_000);

  it('stops, leaving nothing listening', async () => {
    const pid = registry!.pid;
    await registry!.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    const probe = await c().inOperator(['curl', '-sS', '--max-time', '3', `http://${host}/v2/`], { timeoutMs: 10_000 });
    expect(probe.code).not.toBe(0);
  });
});
