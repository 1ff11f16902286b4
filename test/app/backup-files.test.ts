import { describe, expect, it } from 'vitest';
import { mergeBackupRecords, parseBackupRecords, type BackupRecord } from '../../src/app/backup-files.js';

const good = (volume: string, at: string, node = 'demo-manager-1'): BackupRecord => ({ service: 'db', volume, node, at, ok: true, snapshot: 'abcd', lastGood: at });
const failed = (volume: string, at: string, lastGood?: string): BackupRecord => ({ service: 'db', volume, node: 'demo-manager-1', at, ok: false, error: 'connection refused', ...(lastGood ? { lastGood } : {}) });

describe('mergeBackupRecords', () => {
  it('keeps, per volume, the newer run of the two (by at), whichever side it is on', () => {
    const here = { 'demo_a': good('demo_a', '2026-12-01T03:00:00Z'), 'demo_b': good('demo_b', '2026-12-06T03:00:00Z', 'laptop') };
    const there = { 'demo_a': good('demo_a', '2026-12-06T03:00:00Z', 'support'), 'demo_b': good('demo_b', '2026-12-05T03:00:00Z', 'support') };
    expect(mergeBackupRecords(here, there)).toEqual({ 'demo_a': there['demo_a'], 'demo_b': here['demo_b'] });
  });

  it('keeps the newest good backup of either as lastGood: a failed run here after a good one there', () => {
    const here = { 'demo_a': failed('demo_a', '2026-12-06T10:00:00Z', '2026-11-20T03:00:00Z') };
    const there = { 'demo_a': good('demo_a', '2026-12-06T03:00:00Z') };
    expect(mergeBackupRecords(here, there)).toEqual({ 'demo_a': { ...here['demo_a'], lastGood: '2026-12-06T03:00:00Z' } });
    // And the other way round: the newer failure there, the older success here.
    expect(mergeBackupRecords(there, here)).toEqual({ 'demo_a': { ...here['demo_a'], lastGood: '2026-12-06T03:00:00Z' } });
  });

  it('a good run without lastGood counts as one; two failures without any keep none', () => {
    const { lastGood: _, ...bare } = good('demo_a', '2026-12-05T03:00:00Z');
    expect(mergeBackupRecords({ 'demo_a': bare }, { 'demo_a': failed('demo_a', '2026-12-06T03:00:00Z') })['demo_a']).toMatchObject({ ok: false, lastGood: '2026-12-05T03:00:00Z' });
    expect(mergeBackupRecords({ 'demo_a': failed('demo_a', '2026-12-05T03:00:00Z') }, { 'demo_a': failed('demo_a', '2026-12-06T03:00:00Z') })['demo_a']).not.toHaveProperty('lastGood');
  });

  it('keeps volumes recorded on one side only, unchanged', () => {
    const here = { 'demo_a': failed('demo_a', '2026-12-01T03:00:00Z') };
    const there = { 'demo_b': good('demo_b', '2026-12-06T03:00:00Z') };
    expect(mergeBackupRecords(here, there)).toEqual({ ...here, ...there });
    expect(mergeBackupRecords(here, {})).toEqual(here);
    expect(mergeBackupRecords({}, there)).toEqual(there);
  });

  it('a tie keeps this side; a time that does not parse loses', () => {
    const here = { 'demo_a': good('demo_a', '2026-12-06T03:00:00Z', 'laptop') };
    expect(mergeBackupRecords(here, { 'demo_a': good('demo_a', '2026-12-06T03:00:00Z', 'support') })['demo_a']?.node).toBe('laptop');
    expect(mergeBackupRecords({ 'demo_a': good('demo_a', 'yesterday', 'laptop') }, { 'demo_a': good('demo_a', '2026-01-01T00:00:00Z', 'support') })['demo_a']).toMatchObject({ node: 'support', lastGood: '2026-01-01T00:00:00Z' });
  });

  it('changes neither input', () => {
    const here = { 'demo_a': failed('demo_a', '2026-12-06T10:00:00Z') };
    const there = { 'demo_a': good('demo_a', '2026-12-06T03:00:00Z') };
    const copies = structuredClone({ here, there });
    mergeBackupRecords(here, there);
    expect({ here, there }).toEqual(copies);
  });
});

describe('parseBackupRecords', () => {
  it('reads a records file; undefined when it is not JSON or not of that shape', () => {
    const record = good('demo_a', '2026-12-06T03:00:00Z');
    expect(parseBackupRecords(JSON.stringify({ volumes: { 'demo_a': record } }))).toEqual({ 'demo_a': record });
    expect(parseBackupRecords('{"volumes": {"demo_a": ')).toBeUndefined();
    expect(parseBackupRecords(JSON.stringify({ volumes: { 'demo_a': { at: 3 } } }))).toBeUndefined();
    expect(parseBackupRecords('')).toBeUndefined();
  });
});
