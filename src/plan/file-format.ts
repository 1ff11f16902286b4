import { capDiff, DIFF_LINES_SHOWN } from './file-diff.js';
import type { FileChange, FileStatus } from './file-changes.js';
import type { OnEdit } from '../state/file-records.js';

/** The mark in front of each file, as the cloud steps have theirs. */
export const FILE_MARK: Record<FileStatus, string> = {
  new: '+ new    ',
  unchanged: '  same   ',
  changed: '~ change ',
  unrecorded: '~ change ',
  edited: '! edited ',
  'edited-kept': '! edited ',
};

/** What happens to a file edited by hand under each choice (or none yet). */
function editedNote(path: string, onEdit: OnEdit | undefined): string {
  switch (onEdit) {
    case 'orig':
      return `edited by hand since swarm-wiz wrote it: your version is kept as ${path}.orig, then the new one written`;
    case 'stop':
      return 'edited by hand since swarm-wiz wrote it: apply stops and writes nothing (choose with --on-edit orig|stop)';
    case undefined:
      return 'edited by hand since swarm-wiz wrote it: apply asks what to do on a terminal, else stops and writes nothing (or --on-edit orig|stop)';
  }
}

/** The words after a file's path: its purpose, or what happens to it. */
export function fileNote(change: FileChange, onEdit: OnEdit | undefined): string {
  const secret = change.secret && change.status !== 'new' && change.status !== 'unchanged' ? ' (secret: not shown)' : '';
  switch (change.status) {
    case 'new':
    case 'unchanged':
    case 'changed':
      return `${change.file.description}${secret}`;
    case 'unrecorded':
      return `${change.file.description}${secret} (written before swarm-wiz recorded its files: taken as its own)`;
    case 'edited':
      return `${editedNote(change.file.path, onEdit)}${secret}`;
    case 'edited-kept':
      return 'edited by hand; swarm-wiz has no change for it: left as it is';
  }
}

/** One line counting the files by what happens to them. */
export function fileSummary(changes: readonly FileChange[]): string {
  const count = (...statuses: FileStatus[]) => changes.filter((c) => statuses.includes(c.status)).length;
  const parts = [
    [count('new'), 'new'],
    [count('changed', 'unrecorded'), 'to change'],
    [count('edited'), 'edited by hand and changed'],
    [count('edited-kept'), 'edited by hand, left alone'],
    [count('unchanged'), 'unchanged'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return `Files: ${said.length > 0 ? said.join(', ') : 'none'}.`;
}

/** The files as plain text: a line per file, each change's unified diff under it (capped), and the summary. */
export function formatFileChanges(changes: readonly FileChange[], options: { onEdit?: OnEdit; maxLines?: number } = {}): string {
  const width = Math.max(4, ...changes.map((c) => c.file.path.length));
  const lines: string[] = [];
  for (const change of changes) {
    lines.push(`${FILE_MARK[change.status]} ${change.file.path.padEnd(width)}  ${fileNote(change, options.onEdit)}`);
    const { shown, more } = capDiff(change.diff, options.maxLines ?? DIFF_LINES_SHOWN);
    for (const line of shown) lines.push(`    ${line.text}`);
    if (more > 0) lines.push(`    … ${more} more line${more === 1 ? '' : 's'}`);
  }
  return [...lines, '', fileSummary(changes)].join('\n');
}
