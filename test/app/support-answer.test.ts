import { describe, expect, it } from 'vitest';
import { recordBackups, writeBackupSettings, type BackupRecord } from '../../src/app/backup-files.js';
import type { ConnectNodes } from '../../src/app/manager.js';
import { projectCheck } from '../../src/app/project-check.js';
import { problemsOf, projectStatus } from '../../src/app/project-status.js';
import { supportAnswer } from '../../src/app/support-answer.js';
import type { Command } from '../../src/commands/command.js';
import { parseConfig, SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import type { State } from '../../src/state/index.js';
import type { CommandResult, Shell } from '../../src/targets/index.js';
import { dropletProjects } from '../support/droplet-project.js';

/**
 * The support droplet's daily backups, seen from the operator's machine: `status` reads the records
 * there over the same SSH connection that checks it answers, and keeps per volume the newer run.
 */
const HOUR = 3_600_000;
const NOW = new Date('2026-12-10T12:00:00.000Z');
const ago = (hours: number): string => new Date(NOW.getTime() - hours * HOUR).toISOString();
const VOLUME = 'demo_db-data';
const REMOTE_RECORDS = '/srv/swarm-wiz/demo/.swarm-wiz/backups.json';

const config: Config = parseConfig({
  ...SEED_EXAMPLE,
  topology: 'manager',
  sites: [{ domain: 'a.test', service: { name: 'web', image: 'x/web:1', port: 5000 }, private: [{ name: 'db', image: 'postgres:16', port: 5432, volumes: ['db-data:/var/lib/postgresql/data'] }] }],
});
const newProject = dropletProjects('swarm-wiz-support-answer-');

/** A project on droplets with a support droplet, backups set up 30 days ago, and this folder's last run 3 days ago (good). */
async function project(): Promise<{ dir: string; state: State }> {
  return newProject(config, async (dir) => {
    await writeBackupSettings(dir, { endpoint: 'https://fra1.digitaloceanspaces.com', bucket: 'b', accessKeyId: 'K', secretAccessKey: 'S', password: 'p'.repeat(16), since: ago(30 * 24) });
    await recordBackups(dir, [{ service: 'db', volume: VOLUME, node: 'demo-manager-1', at: ago(72), ok: true, snapshot: 'old' }]);
  });
}

const recordsFile = (records: BackupRecord[]): string => JSON.stringify({ volumes: Object.fromEntries(records.map((record) => [record.volume, record])) });

interface Support {
  /** Exit code of `true` there, or an error the connection throws. */
  answer: number | Error;
  /** What reading the records prints (none: no file there). */
  records?: string;
}

/** The manager never answers (the cluster is not what these tests look at); the support droplet as `support` says. */
function fakeConnect(support: Support) {
  const ran: { node: string; argv: readonly string[] }[] = [];
  let connections = 0;
  const connect: ConnectNodes = async (options) => {
    if (options.nodes.some((node) => node.role === 'manager')) throw new Error('ssh: connect to host 203.0.113.1 port 22: Connection refused');
    connections++;
    const shell = (node: string): Shell => {
      const answer = async (command: Command): Promise<CommandResult> => {
        ran.push({ node, argv: command.argv });
        if (support.answer instanceof Error) throw support.answer;
        if (command.argv[0] === 'true') return { exitCode: support.answer, stdout: '', stderr: support.answer === 0 ? '' : 'ssh: connect to host 203.0.113.2 port 22: Connection timed out' };
        if (command.argv[0] === 'sh' && command.argv.at(-1) === REMOTE_RECORDS) return { exitCode: 0, stdout: support.records ?? '', stderr: '' };
        throw new Error(`unexpected command ${command.argv.join(' ')}`);
      };
      return { run: answer, probe: answer };
    };
    return { target: { kind: 'digitalocean', nodes: () => options.nodes, shell, close: async () => undefined }, dispose: async () => undefined };
  };
  return { connect, ran, connections: () => connections };
}

const FRESH_THERE: BackupRecord = { service: 'db', volume: VOLUME, node: 'demo-manager-1', at: ago(2), ok: true, snapshot: 'new', lastGood: ago(2) };
const backupKeys = (problems: { key: string }[]) => problems.map((problem) => problem.key).filter((key) => key.startsWith('backup:'));

describe('supportAnswer: reachability and the backup records there, over one connection', () => {
  it('reads the records file in the support server\'s project folder after `true`, with one connect', async () => {
    const { dir, state } = await project();
    const fake = fakeConnect({ answer: 0, records: recordsFile([FRESH_THERE]) });
    expect(await supportAnswer(dir, state, fake.connect, 1000)).toEqual({ view: { name: 'demo-support', state: 'ok' }, backups: { [VOLUME]: FRESH_THERE } });
    expect(fake.ran.map(({ node, argv }) => `${node}: ${argv[0]} ${argv.at(-1)}`)).toEqual(['demo-support: true true', `demo-support: sh ${REMOTE_RECORDS}`]);
    expect(fake.connections()).toBe(1);
  });

  it('no file there yet, or a damaged one: no records, and the support server still answered', async () => {
    const { dir, state } = await project();
    expect(await supportAnswer(dir, state, fakeConnect({ answer: 0 }).connect, 1000)).toEqual({ view: { name: 'demo-support', state: 'ok' }, backups: {} });
    expect(await supportAnswer(dir, state, fakeConnect({ answer: 0, records: '{"volumes": {"demo_db-da' }).connect, 1000)).toEqual({ view: { name: 'demo-support', state: 'ok' }, backups: {} });
  });

  it('an error recorded there is remote text: shown without its control characters', async () => {
    const { dir, state } = await project();
    const failedThere: BackupRecord = { ...FRESH_THERE, ok: false, error: 'Fatal:\u001b[31m unable to open\nrepository', lastGood: ago(26) };
    const reading = await supportAnswer(dir, state, fakeConnect({ answer: 0, records: recordsFile([failedThere]) }).connect, 1000);
    expect(reading?.backups[VOLUME]?.error).toBe('Fatal: unable to open repository');
  });

  it('does not answer: unreachable, no records read', async () => {
    const { dir, state } = await project();
    const fake = fakeConnect({ answer: 255, records: recordsFile([FRESH_THERE]) });
    expect(await supportAnswer(dir, state, fake.connect, 1000)).toEqual({ view: { name: 'demo-support', state: 'unreachable', error: 'ssh: connect to host 203.0.113.2 port 22: Connection timed out' }, backups: {} });
    expect(fake.ran.map(({ argv }) => argv[0])).toEqual(['true']);
  });
});

describe('status and status --check: the newer backup run of this folder and the support server', () => {
  it('a stale record here, a fresh one on the support server: no backup:…:stale problem', async () => {
    const { dir } = await project();
    const fake = fakeConnect({ answer: 0, records: recordsFile([FRESH_THERE]) });

    const check = await projectCheck({ config, dir, probe: false, connect: fake.connect, now: NOW, clusterTimeoutMs: 1000, supportTimeoutMs: 1000 });
    expect(backupKeys(check.problems)).toEqual([]);
    expect(check.checked).toContain('backups');
    expect(check.problems.map((problem) => problem.key)).not.toContain('support:demo-support:unreachable');

    const snapshot = await projectStatus({ config, dir, probe: false, connect: fake.connect, now: NOW, clusterTimeoutMs: 1000, supportTimeoutMs: 1000 });
    expect(snapshot.support).toEqual({ name: 'demo-support', state: 'ok' });
    expect(snapshot.backups?.volumes).toEqual([{ service: 'db', volume: VOLUME, last: { at: ago(2), ok: true, lastGood: ago(2) } }]);
    expect(problemsOf(snapshot).filter((line) => line.includes(VOLUME))).toEqual([]);
  });

  it('a failed run on the support server after a good one here: failed, with the good one here as last good', async () => {
    const { dir } = await project();
    const failedThere: BackupRecord = { service: 'db', volume: VOLUME, node: 'demo-manager-1', at: ago(2), ok: false, error: 'repository is locked' };
    const fake = fakeConnect({ answer: 0, records: recordsFile([failedThere]) });
    const check = await projectCheck({ config, dir, probe: false, connect: fake.connect, now: NOW, clusterTimeoutMs: 1000, supportTimeoutMs: 1000 });
    expect(check.problems.filter((problem) => problem.key.startsWith('backup:')).map(({ key, line }) => ({ key, line }))).toEqual([
      { key: `backup:${VOLUME}:failed`, line: `backup of ${VOLUME} (db) failed 2 h ago: repository is locked; last good backup ${ago(72)} (72 h ago)` },
    ]);
  });

  it('the support server does not answer: the records here only (stale), and the support problem on its own', async () => {
    const { dir } = await project();
    const fake = fakeConnect({ answer: new Error('ssh: Could not resolve hostname'), records: recordsFile([FRESH_THERE]) });

    const check = await projectCheck({ config, dir, probe: false, connect: fake.connect, now: NOW, clusterTimeoutMs: 1000, supportTimeoutMs: 1000 });
    expect(backupKeys(check.problems)).toEqual([`backup:${VOLUME}:stale`]);
    expect(check.problems.map((problem) => problem.key)).toContain('support:demo-support:unreachable');

    const snapshot = await projectStatus({ config, dir, probe: false, connect: fake.connect, now: NOW, clusterTimeoutMs: 1000, supportTimeoutMs: 1000 });
    expect(snapshot.support).toMatchObject({ name: 'demo-support', state: 'unreachable' });
    expect(snapshot.backups?.volumes).toEqual([{ service: 'db', volume: VOLUME, last: { at: ago(72), ok: true, lastGood: ago(72) } }]);
    expect(problemsOf(snapshot)).toContainEqual(expect.stringContaining(`${VOLUME} (db): last good backup ${ago(72)} (72 h ago), more than 26 h`));
  });

  it('no records file on the support server yet: the records here, no error', async () => {
    const { dir } = await project();
    const check = await projectCheck({ config, dir, probe: false, connect: fakeConnect({ answer: 0 }).connect, now: NOW, clusterTimeoutMs: 1000, supportTimeoutMs: 1000 });
    expect(backupKeys(check.problems)).toEqual([`backup:${VOLUME}:stale`]);
    expect(check.problems.map((problem) => problem.key)).not.toContain('support:demo-support:unreachable');
  });
});
