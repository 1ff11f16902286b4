import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/app/errors.js';
import { serviceLog } from '../../src/app/logs.js';
import type { ConnectNodes } from '../../src/app/manager.js';
import type { Command } from '../../src/commands/command.js';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import type { RunOptions, Shell } from '../../src/targets/index.js';
import { dropletProjects } from '../support/droplet-project.js';

const config: Config = parseConfig({ ...SEED_EXAMPLE, topology: 'manager', sites: [{ domain: 'a.test', service: { name: 'web', image: 'x/web:1', port: 5000 }, private: [{ name: 'db', image: 'postgres:16', port: 5432 }] }] });
const newProject = dropletProjects('swarm-wiz-logs-');
const project = async (): Promise<string> => (await newProject(config)).dir;

/** A manager whose `docker service logs` prints `lines` (then, following, waits for the signal). */
function manager(lines: string[]) {
  const ran: { node: string; command: Command; options?: RunOptions }[] = [];
  let reached: string[] = [];
  const connect: ConnectNodes = (options) => {
    reached = options.nodes.map((node) => node.name);
    const shell = (node: string): Shell => ({
      run: async (command, runOptions) => {
        ran.push({ node, command, ...(runOptions ? { options: runOptions } : {}) });
        for (const line of lines) runOptions?.onOutput?.(line);
        if (command.argv.includes('--follow')) {
          await new Promise((_, reject) => {
            if (runOptions?.signal?.aborted) reject(new Error('killed'));
            runOptions?.signal?.addEventListener('abort', () => reject(new Error('killed')), { once: true });
          });
        }
        return { exitCode: 0, stdout: lines.join('\n'), stderr: '' };
      },
      probe: () => Promise.reject(new Error('not asked')),
    });
    return Promise.resolve({ target: { kind: 'digitalocean', nodes: () => options.nodes, shell, close: async () => undefined }, dispose: async () => undefined });
  };
  return { connect, ran, reached: () => reached };
}

describe('logs SERVICE', () => {
  it("a service's lines from the manager, control characters removed; the proxy is a service too", async () => {
    const dir = await project();
    const fake = manager(['demo_proxy.1.x@demo-manager-1    | 203.0.113.9 [06/Dec/2026:05:00:00 +0000] "a.test" "GET / HTTP/1.1" 200 7 upstream=10.0.1.5:5000 upstream_time=0.004 request_time=0.004 "curl"', 'evil \u001b[2Jline']);
    const printed: string[] = [];
    const outcome = await serviceLog({ config, dir, service: 'proxy', follow: false, tail: '20', connect: fake.connect }, { line: (text) => printed.push(text) });
    expect(outcome).toEqual({ service: 'demo_proxy', stopped: false });
    expect(fake.reached()).toEqual(['demo-manager-1']);
    expect(fake.ran.map((r) => [r.node, r.command.argv])).toEqual([['demo-manager-1', ['docker', 'service', 'logs', '--no-trunc', '--tail', '20', 'demo_proxy']]]);
    expect(printed[0]).toContain('upstream_time=0.004');
    expect(printed[1]).toBe('evil line');
  });

  it('--follow until the signal: stopped, not failed', async () => {
    const dir = await project();
    const fake = manager(['one']);
    const stop = new AbortController();
    const printed: string[] = [];
    const following = serviceLog({ config, dir, service: 'db', follow: true, since: '10m', connect: fake.connect }, { line: (text) => { printed.push(text); stop.abort(); }, signal: stop.signal });
    expect(await following).toEqual({ service: 'demo_db', stopped: true });
    expect(fake.ran[0]!.command.argv).toEqual(['docker', 'service', 'logs', '--no-trunc', '--follow', '--since', '10m', 'demo_db']);
    expect(printed).toEqual(['one']);
  });

  it.each([
    [{ service: 'nope' }, '"nope" is not a service of demo (one of proxy, web, db)'],
    [{ service: 'web', since: '1 day' }, '--since "1 day" is not a time'],
    [{ service: 'web', tail: '-3' }, '--tail "-3" is not a number of lines'],
  ])('%o: a UsageError before anything is reached', async (given, message) => {
    const dir = await project();
    const fake = manager([]);
    const error = await serviceLog({ config, dir, follow: false, connect: fake.connect, ...given }, { line: () => undefined }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    expect(fake.reached()).toEqual([]);
  });
});
