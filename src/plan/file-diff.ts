import { structuredPatch } from 'diff';

/** One line of a unified diff, typed so a screen can colour it without parsing. */
export interface DiffLine {
  kind: 'header' | 'hunk' | 'add' | 'remove' | 'context' | 'note';
  text: string;
}

/** How many diff lines a screen shows per file before "… N more lines". */
export const DIFF_LINES_SHOWN = 40;

const KIND_OF: Record<string, DiffLine['kind']> = { '+': 'add', '-': 'remove', ' ': 'context', '\\': 'note' };

/**
 * The unified diff (3 lines of context) from `oldText` to `newText`, both for `path`; labels name
 * the two sides in the `---`/`+++` header. No lines when the texts are equal.
 */
export function unifiedDiff(path: string, oldText: string, newText: string, labels: { old: string; new: string }): DiffLine[] {
  if (oldText === newText) return [];
  const patch = structuredPatch(`a/${path}`, `b/${path}`, oldText, newText, labels.old, labels.new, { context: 3 });
  const lines: DiffLine[] = [
    { kind: 'header', text: `--- a/${path}\t(${labels.old})` },
    { kind: 'header', text: `+++ b/${path}\t(${labels.new})` },
  ];
  for (const hunk of patch.hunks) {
    lines.push({ kind: 'hunk', text: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@` });
    for (const line of hunk.lines) lines.push({ kind: KIND_OF[line[0] ?? ' '] ?? 'context', text: line });
  }
  return lines;
}

/** The first `max` lines and how many were left out. */
export function capDiff(lines: readonly DiffLine[], max = DIFF_LINES_SHOWN): { shown: DiffLine[]; more: number } {
  return { shown: lines.slice(0, max), more: Math.max(0, lines.length - max) };
}

/** The diff as patch text (what `--json` carries, whole). */
export function diffText(lines: readonly DiffLine[]): string {
  return lines.map((line) => `${line.text}\n`).join('');
}
