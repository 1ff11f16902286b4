import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyFileRecords, FILE_RECORDS, loadFileRecords, saveFileRecords } from '../../src/state/index.js';
import { tempDir } from '../support/files.js';

describe('.swarm-wiz/files.json', () => {
  it('missing (a project from before it existed) reads as an empty record', async () => {
    expect(await loadFileRecords(await tempDir('records'))).toEqual(emptyFileRecords());
  });

  it('round-trips, 0600 in a 0700 folder', async () => {
    const dir = await tempDir('records');
    const records = { version: 1 as const, onEdit: 'orig' as const, files: { 'proxy/nginx.conf': 'a'.repeat(64) } };
    await saveFileRecords(dir, records);
    expect(await loadFileRecords(dir)).toEqual(records);
    expect((await stat(join(dir, FILE_RECORDS))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, '.swarm-wiz'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(join(dir, FILE_RECORDS), 'utf8'))).toEqual(records);
  });

  it('a bad value is an error naming the field and what is valid', async () => {
    const dir = await tempDir('records');
    await mkdir(join(dir, '.swarm-wiz'));
    await writeFile(join(dir, FILE_RECORDS), JSON.stringify({ version: 1, onEdit: 'merge', files: { x: 'nope' } }));
    const message = await loadFileRecords(dir).then(
      () => 'loaded',
      (e: unknown) => (e as Error).message,
    );
    expect(message).toContain('onEdit: "merge" is not one of orig, stop');
    expect(message).toContain('files.x: is not a sha256 in hex');
    expect(message).toContain('Delete it to start over');
  });
});
