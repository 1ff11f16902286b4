import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { FileProgressScreen } from '../../screens/file-progress.js';
import { applyFileWriteEvent, pendingRows } from '../../src/run/file-progress.js';
import { flat, seedScreenData } from './seed-data.js';

const lineOf = (frame: string | undefined, path: string) => (frame ?? '').split('\n').find((line) => line.includes(` ${path}`)) ?? '';

describe('FileProgressScreen', () => {
  const { files } = seedScreenData();

  it('shows a pending row per file of the seed project before anything is written', () => {
    const rows = pendingRows(files);
    const { lastFrame } = render(<FileProgressScreen dir="/tmp/demo" rows={rows} />);
    expect(flat(lastFrame())).toContain(`Writing files in /tmp/demo (0/${files.length} written)`);
    for (const file of files) expect(lineOf(lastFrame(), file.path)).toMatch(/^\s+· /);
  });

  it('switches each row through writing, done and failed as events arrive', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    const [first, second, third] = files.map((file) => file.path) as [string, string, string];
    let rows = pendingRows(files);
    const { lastFrame, rerender } = render(<FileProgressScreen dir="/tmp/demo" rows={rows} />);
    rows = applyFileWriteEvent(rows, { type: 'writing', path: first });
    rerender(<FileProgressScreen dir="/tmp/demo" rows={rows} />);
    expect(lineOf(lastFrame(), first)).toContain(first);
    expect(lineOf(lastFrame(), first)).not.toMatch(/[·✔✘]/);
    rows = applyFileWriteEvent(rows, { type: 'done', path: first });
    rerender(<FileProgressScreen dir="/tmp/demo" rows={rows} />);
    expect(lineOf(lastFrame(), first)).toContain('✔');
    expect(flat(lastFrame())).toContain(`(1/${files.length} written)`);
    rows = applyFileWriteEvent(rows, { type: 'failed', path: second, error: 'EACCES: permission denied' });
    rerender(<FileProgressScreen dir="/tmp/demo" rows={rows} />);
    expect(lineOf(lastFrame(), second)).toContain('✘');
    expect(lineOf(lastFrame(), second)).toContain('EACCES: permission denied');
    expect(flat(lastFrame())).toContain(`(1/${files.length} written, 1 failed)`);
    expect(lineOf(lastFrame(), third)).toContain('·');
  });
});
