import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHarness, type LocalHarness } from './local-harness.js';
import { expectStatusOnLocalCluster } from './status-assertions.js';

/**
 * `swarm-wiz status` on a project running on this machine's swarm (apply --target local with Pebble):
 * the node, the stack, what 127.0.0.1 serves per domain against the stored certificates, and dead
 * entries marked down within the probe limit. Uses the host's Docker engine: run under
 * `flock /tmp/swz-host-docker.lock`.
 */
let h: LocalHarness;

beforeAll(async () => {
  h = await startLocalHarness('demo');
  const run = await h.swarmWiz(['apply', '--target', 'local', '--yes', '--config', h.configPath, '--ca-cert', h.caCertFile]);
  if (run.code !== 0) throw new Error(`apply --target local failed (exit ${run.code}):\n${run.stderr}`);
}, 600_000);

afterAll(async () => {
  await h?.stop();
}, 300_000);

describe('swarm-wiz status on a running local swarm', () => {
  it('--json: the node and every service fine, the three domains served with the stored serials and HTTP 200, the dead entries down within --timeout + 1 s', async () => {
    const { json } = await expectStatusOnLocalCluster(h);
    expect(json.served.filter((row) => row.state === 'ok').map((row) => row.domain)).toEqual(['a.test', 'b.test', 'c.test']);
  }, 60_000);

  it('the screen without a terminal: one final frame with every section, exit 0 when only live entries are asked', async () => {
    const run = await h.swarmWiz(['status', '--target', 'local', '--config', h.configPath, '--ca-cert', h.rootFile, '--entry', '127.0.0.1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const text of ['Nodes via local', 'Stack', 'Served', 'Certificates', 'All fine.']) expect(run.stdout).toContain(text);
    expect(run.stdout).toMatch(/proxy +1\/1 +running/);
    expect(run.stdout).toMatch(/127\.0\.0\.1:443 +a\.test +ok +[0-9a-f]{14}… = stored to \d{4}-\d\d-\d\d HTTP 200/);
  }, 60_000);
});
