import { describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../recipes/index.js';
import {
  capDiff,
  classifyFile,
  decideFileWrites,
  diffText,
  formatFileChanges,
  sha256Of,
  unifiedDiff,
  type FileChange,
  type OnDiskFile,
} from '../../src/plan/index.js';

const file = (path: string, content: string, mode = 0o644): GeneratedFile => ({ path, content, mode, description: `the ${path}` });
const disk = (content: string, mode = 0o644): OnDiskFile => ({ bytes: Buffer.from(content), mode });

const V1 = 'server {\n  listen 80;\n  server_name a.com;\n}\n';
const V2 = 'server {\n  listen 80;\n  server_name a.com b.com;\n}\n';
const MINE = 'server {\n  listen 80;\n  server_name a.com;\n  # mine\n}\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';

describe('classifyFile', () => {
  it('new: nothing on disk', () => {
    expect(classifyFile(file('n.conf', V1), undefined, undefined)).toMatchObject({ status: 'new', diff: [] });
  });

  it('unchanged: on disk exactly as it would be written, recorded or not', () => {
    expect(classifyFile(file('n.conf', V1), disk(V1), sha256Of(V1)).status).toBe('unchanged');
    expect(classifyFile(file('n.conf', V1), disk(V1), undefined).status).toBe('unchanged');
    // Even when the person edited it to exactly what swarm-wiz now writes.
    expect(classifyFile(file('n.conf', V2), disk(V2), sha256Of(V1)).status).toBe('unchanged');
  });

  it("changed: on disk as swarm-wiz last wrote it; the diff goes from the disk to the new text", () => {
    const change = classifyFile(file('proxy/nginx.conf', V2), disk(V1), sha256Of(V1));
    expect(change.status).toBe('changed');
    expect(change.diff.filter((l) => l.kind === 'remove').map((l) => l.text)).toEqual(['-  server_name a.com;']);
    expect(change.diff.filter((l) => l.kind === 'add').map((l) => l.text)).toEqual(['+  server_name a.com b.com;']);
    expect(change.diff[0]?.text).toBe('--- a/proxy/nginx.conf\t(on disk)');
  });

  it('unrecorded: on disk, no record (written before records existed): a change, not an edit', () => {
    const change = classifyFile(file('n.conf', V2), disk(V1), undefined);
    expect(change.status).toBe('unrecorded');
    expect(change.diff.length).toBeGreaterThan(0);
  });

  it('edited: the disk differs from the record and swarm-wiz has a change; the diff shows their edit against the new text', () => {
    const change = classifyFile(file('n.conf', V2), disk(MINE), sha256Of(V1));
    expect(change.status).toBe('edited');
    expect(change.diff[0]?.text).toContain('your edit, on disk');
    expect(change.diff.map((l) => l.text)).toContain('-  # mine');
  });

  it('edited-kept: edited by hand, and swarm-wiz has no change for it', () => {
    expect(classifyFile(file('n.conf', V1), disk(MINE), sha256Of(V1))).toMatchObject({ status: 'edited-kept', diff: [] });
  });

  it('secret material is never diffed: 0600 generated or on disk, or a PEM block either side', () => {
    expect(classifyFile(file('k.pem', KEY, 0o600), disk('old'), sha256Of('old'))).toMatchObject({ status: 'changed', secret: true, diff: [] });
    expect(classifyFile(file('n.conf', V2), disk(V1, 0o600), sha256Of(V1))).toMatchObject({ secret: true, diff: [] });
    expect(classifyFile(file('n.conf', V2), disk(V1 + KEY), sha256Of('x'))).toMatchObject({ status: 'edited', secret: true, diff: [] });
    expect(classifyFile(file('n.conf', V2 + KEY), disk(V1), sha256Of(V1))).toMatchObject({ secret: true, diff: [] });
    expect(classifyFile(file('n.conf', V2), disk(V1), sha256Of(V1)).secret).toBe(false);
  });
});

describe('decideFileWrites', () => {
  const changes: FileChange[] = [
    classifyFile(file('new.conf', V1), undefined, undefined),
    classifyFile(file('same.conf', V1), disk(V1), sha256Of(V1)),
    classifyFile(file('changed.conf', V2), disk(V1), sha256Of(V1)),
    classifyFile(file('old.conf', V2), disk(V1), undefined),
    classifyFile(file('kept.conf', V1), disk(MINE), sha256Of(V1)),
  ];
  const edited = classifyFile(file('edited.conf', V2), disk(MINE), sha256Of(V1));

  it('stop with an edited file: nothing at all is written, each edited file named', () => {
    expect(decideFileWrites([...changes, edited], 'stop')).toEqual({ kind: 'stop', edited: ['edited.conf'] });
  });

  it('orig: the edited file is kept aside and written; unchanged only recorded; edited-kept left alone', () => {
    const decision = decideFileWrites([...changes, edited], 'orig');
    expect(decision).toMatchObject({ kind: 'write', keepAsOrig: ['edited.conf'], leftAlone: ['kept.conf'] });
    if (decision.kind !== 'write') throw new Error('expected write');
    expect(decision.write.map((f) => f.path)).toEqual(['new.conf', 'changed.conf', 'old.conf', 'edited.conf']);
    expect(decision.unchanged.map((f) => f.path)).toEqual(['same.conf']);
  });

  it('stop without edited files writes as usual and never touches an edited-kept file', () => {
    const decision = decideFileWrites(changes, 'stop');
    if (decision.kind !== 'write') throw new Error('expected write');
    expect(decision.write.map((f) => f.path)).toEqual(['new.conf', 'changed.conf', 'old.conf']);
    expect(decision.leftAlone).toEqual(['kept.conf']);
    expect(decision.keepAsOrig).toEqual([]);
  });
});

describe('diff rendering as text', () => {
  const long = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `line ${i} ${tag}`).join('\n') + '\n';

  it('unifiedDiff is a patch that names both sides; equal texts give no lines', () => {
    expect(unifiedDiff('x', V1, V1, { old: 'a', new: 'b' })).toEqual([]);
    const patch = diffText(unifiedDiff('x', V1, V2, { old: 'on disk', new: 'new' }));
    expect(patch).toBe('--- a/x\t(on disk)\n+++ b/x\t(new)\n@@ -1,4 +1,4 @@\n server {\n   listen 80;\n-  server_name a.com;\n+  server_name a.com b.com;\n }\n');
  });

  it('caps each file to the lines asked for and says how many more there are', () => {
    const lines = unifiedDiff('big', long(100, 'old'), long(100, 'new'), { old: 'a', new: 'b' });
    expect(capDiff(lines, 10)).toMatchObject({ more: lines.length - 10 });
    const text = formatFileChanges([classifyFile(file('big', long(100, 'new')), disk(long(100, 'old')), sha256Of(long(100, 'old')))], { maxLines: 10 });
    expect(text.split('\n').filter((l) => l.startsWith('    ')).length).toBe(11);
    expect(text).toContain(`    … ${lines.length - 10} more lines`);
  });

  it('one line per new or unchanged file, the diff under a changed one, secrets named only, a summary', () => {
    const text = formatFileChanges(
      [
        classifyFile(file('new.conf', V1), undefined, undefined),
        classifyFile(file('same.conf', V1), disk(V1), sha256Of(V1)),
        classifyFile(file('proxy/nginx.conf', V2), disk(V1), sha256Of(V1)),
        classifyFile(file('site.key', KEY, 0o600), disk(KEY.replace('MII', 'XYZ'), 0o600), sha256Of('x')),
      ],
      { onEdit: 'orig' },
    );
    expect(text).toMatch(/^\+ new +new\.conf +the new\.conf$/m);
    expect(text).toMatch(/^ {2}same +same\.conf +the same\.conf$/m);
    expect(text).toMatch(/^~ change +proxy\/nginx\.conf/m);
    expect(text).toContain('    +  server_name a.com b.com;');
    expect(text).toMatch(/^! edited +site\.key +edited by hand since swarm-wiz wrote it: your version is kept as site\.key\.orig.*\(secret: not shown\)$/m);
    expect(text).not.toContain('MII');
    expect(text).not.toContain('XYZ');
    expect(text.split('\n').at(-1)).toBe('Files: 1 new, 1 to change, 1 edited by hand and changed, 1 unchanged.');
  });
});
