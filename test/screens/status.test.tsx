import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { StatusScreen } from '../../screens/status.js';
import type { CertStatusRow } from '../../src/certs/cert-status.js';
import { parseNodeInspect, parseServiceTasks, parseStackServices } from '../../src/commands/index.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { nodeRows, serviceRows } from '../../src/status/cluster-rows.js';
import { pendingSnapshot, servedRowOf, type StatusSnapshot } from '../../src/status/snapshot.js';

/** The status screen on snapshots made by the same pure functions the use case uses, from docker's captured output. */
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'status', 'fixtures', name), 'utf8');
const NOW = new Date('2026-11-30T12:00:00Z');
const svc = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: `cap/${name}:1`, port: 5000, ...extra });
const config = parseConfig({
  ...SEED_EXAMPLE,
  project: 'cap',
  sites: [
    { domain: 'a.test', service: svc('web', { health: '/' }), private: [svc('sick', { health: '/' })] },
    { domain: 'b.test', service: svc('glob') },
  ],
  certificates: { ...SEED_EXAMPLE.certificates, email: 'ops@a.test' },
});
const tasks = parseServiceTasks(fixture('service-ps.jsonl'));
const nodes = nodeRows(config, parseNodeInspect(fixture('node-inspect.json')), tasks);
const services = serviceRows(config, parseStackServices(fixture('stack-services.jsonl')), tasks).filter((row) => ['proxy', 'web', 'sick', 'glob'].includes(row.name));
const SERIAL = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const NOT_AFTER = '2027-01-29T12:00:00.000Z';
const certificates: CertStatusRow[] = [
  { domain: 'a.test', names: ['a.test'], health: 'ok', daysLeft: 60, nextRenewal: '2027-01-09T12:00:00.000Z', renewalBasis: 'ari', lastSuccessAt: '2026-11-29T03:00:00.000Z', live: [] },
  { domain: 'b.test', names: ['b.test'], health: 'missing', lastError: 'the CA refused (rateLimited, HTTP 429)', renewalError: 'the CA refused (rateLimited, HTTP 429)', live: [] },
];

const plain = (frame: string | undefined) => stripVTControlCharacters(frame ?? '');
const section = (text: string, title: string) => {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(title));
  const end = lines.findIndex((line, i) => i > start && line.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
};

describe('StatusScreen', () => {
  it('nothing answered yet: every section pending (…)', () => {
    const { lastFrame, unmount } = render(<StatusScreen snapshot={pendingSnapshot('cap', NOW)} />);
    const text = plain(lastFrame());
    unmount();
    expect(text.split('\n')[0]).toBe('cap status as of 2026-11-30 12:00:00 UTC');
    expect(text).toContain('Nodes asking a manager …');
    for (const title of ['Stack', 'Served', 'Certificates']) expect(section(text, title)).toEqual(['  …']);
    expect(text).toContain('waiting for answers …');
  });

  it('rows as they fill in, in place: pending probes show …, then the node, services, served rows, a down entry and an unhealthy service with its task error', () => {
    const where = (port: number, domain: string) => ({ address: '127.0.0.1', port, domain, storedSerial: SERIAL });
    const tlsOk = { tls: { serial: SERIAL, notAfter: NOT_AFTER, trusted: true } };
    const first: StatusSnapshot = {
      ...pendingSnapshot('cap', NOW),
      served: [servedRowOf(where(443, 'a.test'), {}, NOW), servedRowOf(where(443, 'b.test'), tlsOk, NOW), servedRowOf(where(9, 'a.test'), {}, NOW)],
    };
    const { lastFrame, rerender, frames, unmount } = render(<StatusScreen snapshot={first} />);
    const pending = section(plain(lastFrame()), 'Served');
    expect(pending).toEqual([
      '127.0.0.1:443         a.test            …          …                                      …',
      `127.0.0.1:443         b.test            …          ${SERIAL.slice(0, 14)}… = stored to 2027-01-29 …`,
      '127.0.0.1:9           a.test            …          …                                      …',
    ]);

    const final: StatusSnapshot = {
      ...first,
      cluster: { state: 'ok', via: 'local' },
      nodes,
      services,
      served: [
        servedRowOf(where(443, 'a.test'), { ...tlsOk, http: { status: 200 } }, NOW),
        servedRowOf(where(443, 'b.test'), { ...tlsOk, http: { status: 200 } }, NOW),
        servedRowOf(where(9, 'a.test'), { tls: { error: 'connection refused' }, http: { error: 'connection refused' } }, NOW),
      ],
      certificates,
    };
    const before = frames.length;
    rerender(<StatusScreen snapshot={final} />);
    expect(frames.length).toBeGreaterThan(before);
    const text = plain(lastFrame());
    unmount();
    expect(text).toContain('Nodes via local');
    expect(section(text, 'Nodes')).toEqual(['vm                  manager (leader)  active    ready    docker 20.10.24+dfsg1 proxy (none running)']);
    expect(section(text, 'Stack')).toEqual([
      'proxy                 –       not deployed',
      'web                   2/2     running       replicated · healthy: GET /',
      'sick                  0/1     down          replicated · unhealthy: GET / failed · 1 starting',
      // (wrapped at the 100 columns ink-testing-library gives)
      '    last task error: task: non-zero exit (137): dockerexec: unhealthy container (cap_sick.1 on vm:',
      'Failed 7 seconds ago)',
      'glob                  1/1     running       global',
    ]);
    expect(section(text, 'Served')).toEqual([
      `127.0.0.1:443         a.test            ok         ${SERIAL.slice(0, 14)}… = stored to 2027-01-29 HTTP 200`,
      `127.0.0.1:443         b.test            ok         ${SERIAL.slice(0, 14)}… = stored to 2027-01-29 HTTP 200`,
      '127.0.0.1:9           a.test            down       –                                      –',
      '    connection refused',
    ]);
    expect(section(text, 'Certificates')).toEqual([
      'a.test              valid       60 days left    renews 2027-01-09 (CA window)   renewed 2026-11-29',
      'b.test              not issued',
      '    last renewal failed: the CA refused (rateLimited, HTTP 429)',
    ]);
    expect(text).toContain('4 problems:');
    expect(text).toContain('  a.test at 127.0.0.1:9: down (connection refused)');
    expect(text).toContain('  service proxy: missing, not in the stack');
    expect(text).toContain('  service sick: down, 0/1 running, unhealthy: GET / failed (last task error: task: non-zero exit');
  });

  it('a manager that does not answer is said so; --watch says how often it refreshes', () => {
    const snapshot: StatusSnapshot = { ...pendingSnapshot('cap', NOW), cluster: { state: 'unreachable', via: 'cap-manager-1', error: 'cap-manager-1 (203.0.113.10:22) did not answer: timeout' }, certificates: [] };
    const { lastFrame, unmount } = render(<StatusScreen snapshot={snapshot} watchSeconds={5} />);
    const text = plain(lastFrame());
    unmount();
    expect(section(text, 'Nodes')).toEqual(['  no answer from a manager (cap-manager-1): cap-manager-1 (203.0.113.10:22) did not answer: timeout']);
    expect(section(text, 'Stack')).toEqual(['  –']);
    expect(text).toContain('refreshing every 5 s · Ctrl-C to stop');
  });

  it('the support droplet: asked (…), answering, or not answering — then a problem that says apply makes a deleted one again', () => {
    const base: StatusSnapshot = { ...pendingSnapshot('cap', NOW), cluster: { state: 'ok', via: 'cap-manager-1' }, nodes, services, certificates: [] };
    const frame = (snapshot: StatusSnapshot) => {
      const { lastFrame, unmount } = render(<StatusScreen snapshot={snapshot} />);
      const text = plain(lastFrame());
      unmount();
      return text;
    };
    const asking = frame({ ...base, support: { name: 'cap-support', state: 'pending' } });
    expect(section(asking, 'Nodes').at(-1)).toMatch(/^cap-support +support +asking over SSH …$/);
    expect(asking).toContain('waiting for answers');
    expect(section(frame({ ...base, support: { name: 'cap-support', state: 'ok' } }), 'Nodes').at(-1)).toMatch(/^cap-support +support +answers over SSH; renews from cron$/);
    const gone = frame({ ...base, support: { name: 'cap-support', state: 'unreachable', error: 'connection timed out' } });
    expect(section(gone, 'Nodes').at(-1)).toMatch(/^cap-support +support +no answer over SSH \(connection timed out\)$/);
    expect(gone.replace(/\s+/g, ' ')).toContain('support server cap-support: no answer over SSH (connection timed out); renewals run there (if its droplet was deleted, swarm-wiz apply makes it again)');
  });
  it('backups: each volume\'s last run, and a failed one among the problems', () => {
    const base: StatusSnapshot = { ...pendingSnapshot('cap', NOW), cluster: { state: 'ok', via: 'cap-manager-1' }, nodes, services, certificates: [] };
    const { lastFrame, unmount } = render(
      <StatusScreen
        snapshot={{
          ...base,
          backups: {
            setUp: true,
            since: '2026-11-01T00:00:00Z',
            volumes: [
              { volume: 'cap_db-data', service: 'db', last: { at: '2026-11-30T03:00:00.000Z', ok: true, lastGood: '2026-11-30T03:00:00.000Z' } },
              { volume: 'cap_uploads', service: 'web', last: { at: '2026-11-30T03:00:00.000Z', ok: false, error: 'wrong password', lastGood: '2026-11-29T03:00:00.000Z' } },
            ],
          },
        }}
      />,
    );
    const text = plain(lastFrame());
    unmount();
    const rows = section(text, 'Backups').join(' ').replace(/\s+/g, ' ');
    expect(rows).toBe('cap_db-data db backed up 2026-11-30 03:00 UTC cap_uploads web failed 2026-11-30 03:00 UTC: wrong password; last good 2026-11-29 03:00 UTC');
    expect(text.replace(/\s+/g, ' ')).toContain('backup of cap_uploads (web) failed 9 h ago: wrong password; last good backup 2026-11-29T03:00:00.000Z (33 h ago)');
  });
});
