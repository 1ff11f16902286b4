import { describe, expect, it } from 'vitest';
import { applyFileWriteEvent, pendingRows } from '../../src/run/file-progress.js';

const file = (path: string, mode = 0o644) => ({ path, content: `content of ${path}\n`, mode, description: path });

describe('the file list progress', () => {
  it('the progress rows follow the events', () => {
    let rows = pendingRows([file('a'), file('b')]);
    rows = applyFileWriteEvent(rows, { type: 'writing', path: 'a' });
    rows = applyFileWriteEvent(rows, { type: 'failed', path: 'b', error: 'disk full' });
    expect(rows.map((r) => [r.path, r.status, r.error])).toEqual([
      ['a', 'writing', undefined],
      ['b', 'failed', 'disk full'],
    ]);
  });
});
