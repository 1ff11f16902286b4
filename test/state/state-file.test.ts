import { chmod, readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyState, loadState, loadStateSecured, parseState, saveState, StateFileError, statePath, StateStore } from '../../src/state/index.js';
import { tempDir } from '../support/files.js';

describe('the state file', () => {
  it('is an empty state when missing, and round-trips with mode 0600', async () => {
    const d = await tempDir('state');
    expect(await loadState(d, 'demo')).toEqual(emptyState('demo'));
    const state = emptyState('demo');
    state.cloud.droplets.push({ id: 7, name: 'demo-manager-1', role: 'manager', region: 'fra1', size: 's-1vcpu-2gb', tags: ['swarm-wiz:demo'], status: 'active', publicIpv4: '203.0.113.1' });
    state.swarm = { joinTokens: { manager: 'SWMTKN-1-m', worker: 'SWMTKN-1-w' } };
    await saveState(d, state);
    expect((await stat(statePath(d))).mode & 0o777).toBe(0o600);
    expect(await loadState(d, 'demo')).toEqual(state);
  });

  it('keeps sections written by other parts of swarm-wiz', async () => {
    const d = await tempDir('state');
    await mkdir(join(d, '.swarm-wiz'));
    await writeFile(statePath(d), JSON.stringify({ version: 1, project: 'demo', certificates: { 'a.com': { notAfter: '2027-01-01' } } }));
    const state = await loadState(d, 'demo');
    await saveState(d, state);
    expect(JSON.parse(await readFile(statePath(d), 'utf8'))).toMatchObject({ certificates: { 'a.com': { notAfter: '2027-01-01' } }, cloud: { droplets: [] } });
  });

  it.each([
    ['not JSON', '{"version": 1,', /not JSON/],
    ['another version', '{"version": 2, "project": "demo"}', /version: version 2 is not 1/],
    ['a bad field', '{"version": 1, "project": "demo", "cloud": {"droplets": [{"id": -1}]}}', /cloud\.droplets\[0\]\.id: /],
    ['an unknown cloud key', '{"version": 1, "project": "demo", "cloud": {"dropplets": []}}', /cloud: .*dropplets/],
  ])('is refused with a clear error when %s', (_, text, reason) => {
    expect(() => parseState(text, '/p/.swarm-wiz/state.json')).toThrow(StateFileError);
    expect(() => parseState(text, '/p/.swarm-wiz/state.json')).toThrow(reason);
    expect(() => parseState(text, '/p/.swarm-wiz/state.json')).toThrow(/^\/p\/\.swarm-wiz\/state\.json is not a valid swarm-wiz state file: .*restore it from a backup rather than deleting it/);
  });

  it('repeats at most the first 60 characters of a bad value', () => {
    const text = JSON.stringify({ version: 'v'.repeat(10_000), project: 'demo' });
    expect(() => parseState(text, '/p/.swarm-wiz/state.json')).toThrow(`version: version "${'v'.repeat(60)}"… (10000 characters) is not 1`);
    try {
      parseState(text, '/p/.swarm-wiz/state.json');
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });

  it('belongs to one project', async () => {
    const d = await tempDir('state');
    await saveState(d, emptyState('other'));
    await expect(loadState(d, 'demo')).rejects.toThrow(/belongs to project "other", not "demo"/);
  });
});

describe('a state file others can read', () => {
  it('is made 0600 with a warning naming it and its old mode, once; its folder 0700 likewise', async () => {
    const d = await tempDir('state');
    await saveState(d, emptyState('demo'));
    await chmod(statePath(d), 0o644);
    await chmod(join(d, '.swarm-wiz'), 0o755);
    const first = await loadStateSecured(d, 'demo');
    expect(first.state).toEqual(emptyState('demo'));
    expect(first.warnings).toEqual([
      `${join(d, '.swarm-wiz')} could be listed by other users (mode 0755); swarm-wiz made it 0700.`,
      `${statePath(d)} could be read by other users (mode 0644); swarm-wiz made it 0600. It may hold the swarm's join tokens: if someone else may have read it, rotate them (docker swarm join-token --rotate worker, and manager).`,
    ]);
    expect((await stat(statePath(d))).mode & 0o777).toBe(0o600);
    expect((await stat(join(d, '.swarm-wiz'))).mode & 0o777).toBe(0o700);
    expect((await loadStateSecured(d, 'demo')).warnings).toEqual([]);
  });

  it('no state yet, or a private one: no warning', async () => {
    const d = await tempDir('state');
    expect(await loadStateSecured(d, 'demo')).toEqual({ state: emptyState('demo'), warnings: [] });
    await saveState(d, emptyState('demo'));
    expect((await loadStateSecured(d, 'demo')).warnings).toEqual([]);
  });
});

describe('StateStore', () => {
  it('persists every update in order, even when updates are issued in parallel, leaving no temp files', async () => {
    const d = await tempDir('state');
    const store = new StateStore(d, emptyState('demo'));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update((s) => {
          s.cloud.tags.push(`t${i}`);
        }),
      ),
    );
    const onDisk = await loadState(d, 'demo');
    expect(onDisk.cloud.tags).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
    expect(store.state).toEqual(onDisk);
    expect(await readdir(join(d, '.swarm-wiz'))).toEqual(['state.json']);
  });

  it('rejects a change that would make the state invalid and keeps the last good one', async () => {
    const d = await tempDir('state');
    const store = new StateStore(d, emptyState('demo'));
    await store.update((s) => void s.cloud.tags.push('ok'));
    await expect(store.update((s) => void (s.cloud.droplets as unknown[]).push({ id: 'bad' }))).rejects.toThrow();
    expect((await loadState(d, 'demo')).cloud.tags).toEqual(['ok']);
    expect(store.state.cloud.droplets).toEqual([]);
    await store.update((s) => void s.cloud.tags.push('after'));
    expect((await loadState(d, 'demo')).cloud.tags).toEqual(['ok', 'after']);
  });
});
