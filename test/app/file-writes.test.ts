import { mkdir, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeProjectFiles } from '../../src/app/file-writes.js';
import type { FileWriteEvent } from '../../src/run/file-progress.js';

const file = (path: string, mode = 0o644) => ({ path, content: `content of ${path}\n`, mode, description: path });

describe('writeProjectFiles', () => {
  it('writes each file with its mode and reports writing → done in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-files-'));
    const events: FileWriteEvent[] = [];
    const outcome = await writeProjectFiles(dir, [file('a/x.conf'), file('run.sh', 0o755), file('.swarm-wiz/key', 0o600)], (e) => events.push(e));
    expect(outcome).toEqual({ written: ['a/x.conf', 'run.sh', '.swarm-wiz/key'], failed: [] });
    expect(events.map((e) => `${e.type} ${e.path}`)).toEqual(['writing a/x.conf', 'done a/x.conf', 'writing run.sh', 'done run.sh', 'writing .swarm-wiz/key', 'done .swarm-wiz/key']);
    expect((await stat(join(dir, 'run.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dir, '.swarm-wiz/key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'a/x.conf'), 'utf8')).toBe('content of a/x.conf\n');
  });

  it('a file that cannot be written fails alone, leaves no temporary file, and the rest are still written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-wiz-files-'));
    await mkdir(join(dir, 'blocked'));
    await mkdir(join(dir, 'blocked', 'inner'));
    const outcome = await writeProjectFiles(dir, [file('blocked'), file('ok.txt'), file('../escape.txt')]);
    expect(outcome.written).toEqual(['ok.txt']);
    expect(outcome.failed.map((f) => f.path)).toEqual(['blocked', '../escape.txt']);
    expect(outcome.failed[1]?.error).toContain('outside the project directory');
    expect((await readdir(dir)).sort()).toEqual(['blocked', 'ok.txt']);
  });
});
