import { describe, expect, it } from 'vitest';
import { readSupportRecords } from '../../src/commands/index.js';

describe('readSupportRecords', () => {
  it('prints the file, or nothing (exit 0) when there is none; the path only as a positional parameter', () => {
    const path = "/srv/swarm-wiz/demo/.swarm-wiz/backups.json; rm -rf '/'";
    const command = readSupportRecords(path);
    expect(command.argv).toEqual(['sh', '-c', 'test -e "$1" || exit 0; exec cat -- "$1"', 'sh', path]);
    expect(command.argv[2]).not.toContain(path);
    expect(command.stdin).toBeUndefined();
  });
});
