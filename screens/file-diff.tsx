import { Box, Text } from 'ink';
import { capDiff, DIFF_LINES_SHOWN, type DiffLine } from '../src/plan/index.js';

export interface FileDiffProps {
  lines: readonly DiffLine[];
  /** At most this many lines, then "… N more lines". */
  maxLines?: number;
}

/** One line of a diff in its colour: additions green, removals red, hunk headers cyan. */
function DiffRow({ line }: { line: DiffLine }) {
  switch (line.kind) {
    case 'add':
      return <Text color="green">{line.text}</Text>;
    case 'remove':
      return <Text color="red">{line.text}</Text>;
    case 'hunk':
      return <Text color="cyan">{line.text}</Text>;
    case 'header':
      return <Text bold>{line.text}</Text>;
    case 'context':
    case 'note':
      return <Text dimColor>{line.text}</Text>;
  }
}

/** A unified diff, indented under its file, capped to `maxLines`. */
export function FileDiff({ lines, maxLines = DIFF_LINES_SHOWN }: FileDiffProps) {
  const { shown, more } = capDiff(lines, maxLines);
  return (
    <Box flexDirection="column" paddingLeft={4}>
      {shown.map((line, i) => (
        <DiffRow key={i} line={line} />
      ))}
      {more > 0 ? <Text dimColor>… {more} more line{more === 1 ? '' : 's'}</Text> : null}
    </Box>
  );
}
