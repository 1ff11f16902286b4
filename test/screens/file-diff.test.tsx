import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { FileDiff } from '../../screens/file-diff.js';
import { ReviewScreen, type ReviewFile } from '../../screens/review.js';
import { classifyFile, sha256Of, unifiedDiff } from '../../src/plan/index.js';
import { flat, seedScreenData } from './seed-data.js';

// The colours are part of what the diff says (green added, red removed): forced on before Ink loads.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const CYAN = '\u001b[36m';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBc2secretkeymaterialAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n';

/** The frame's line that holds `text`, with its escape codes. */
const lineWith = (frame: string | undefined, text: string) => (frame ?? '').split('\n').find((line) => stripVTControlCharacters(line).includes(text)) ?? '';

describe('FileDiff', () => {
  const lines = unifiedDiff('proxy/nginx.conf', 'a\nb\nc\n', 'a\nB\nc\n', { old: 'on disk', new: 'new' });

  it('shows a unified diff: additions green, removals red, hunk headers cyan', () => {
    const { lastFrame } = render(<FileDiff lines={lines} />);
    const text = stripVTControlCharacters(lastFrame() ?? '');
    expect(text).toContain('--- a/proxy/nginx.conf');
    expect(lineWith(lastFrame(), '+B')).toContain(GREEN);
    expect(lineWith(lastFrame(), '-b')).toContain(RED);
    expect(lineWith(lastFrame(), '@@ -1,3 +1,3 @@')).toContain(CYAN);
  });

  it('caps a long diff and says how many lines are left out', () => {
    const many = Array.from({ length: 200 }, (_, i) => `${i}`).join('\n');
    const big = unifiedDiff('f', many, many.replaceAll('1', 'x'), { old: 'a', new: 'b' });
    const { lastFrame } = render(<FileDiff lines={big} maxLines={12} />);
    const text = stripVTControlCharacters(lastFrame() ?? '');
    expect(text.split('\n')).toHaveLength(13);
    expect(text).toContain(`… ${big.length - 12} more lines`);
  });
});

describe('ReviewScreen with files on disk', () => {
  const { config, files, steps } = seedScreenData();
  const [nginx, compose, crontab] = files;
  if (!nginx || !compose || !crontab) throw new Error('the seed renders at least three files');
  const edited = `${nginx.content}# my tweak\n`;
  const rows: ReviewFile[] = [
    classifyFile({ ...nginx, content: nginx.content.replace('a.com', 'a.example') }, { bytes: Buffer.from(nginx.content), mode: 0o644 }, sha256Of(nginx.content)),
    classifyFile(compose, { bytes: Buffer.from(compose.content), mode: 0o644 }, sha256Of(compose.content)),
    classifyFile({ ...crontab, content: `${crontab.content}# new\n` }, { bytes: Buffer.from(edited + KEY), mode: 0o644 }, sha256Of(crontab.content)),
  ].map((change) => ({ path: change.file.path, mode: change.file.mode, description: change.file.description, change }));

  it('marks each file, shows the diff of a changed one, names a secret one without showing it', () => {
    const { lastFrame } = render(<ReviewScreen project={config.project} dir="/srv/demo" files={rows} steps={steps} planOnly onEdit="stop" />);
    const text = flat(stripVTControlCharacters(lastFrame() ?? ''));
    expect(text).toContain('~ change proxy/nginx.conf');
    expect(text).toContain('+++ b/proxy/nginx.conf (new)');
    expect(text).toContain('a.example');
    expect(text).toContain(`same ${compose.path}`);
    expect(text).toContain(`! edited ${crontab.path}`);
    expect(text).toContain('apply stops and writes nothing');
    expect(text).toContain('(secret: not shown)');
    expect(text).not.toContain('secretkeymaterial');
    expect(text).not.toContain('my tweak');
    expect(text).toContain('Files: 1 to change, 1 edited by hand and changed, 1 unchanged.');
    expect(lineWith(lastFrame(), '~ change')).toContain('\u001b[33m');
  });
});
