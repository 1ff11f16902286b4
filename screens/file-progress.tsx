import { Box, Text } from 'ink';
import type { FileWriteRow } from '../src/run/file-progress.js';
import { StatusIcon } from './status-icon.js';

export interface FileProgressScreenProps {
  dir: string;
  rows: readonly FileWriteRow[];
}

/** A row per generated file: pending, being written, written, or failed with its reason. */
export function FileProgressScreen({ dir, rows }: FileProgressScreenProps) {
  const done = rows.filter((row) => row.status === 'done').length;
  const failed = rows.filter((row) => row.status === 'failed').length;
  return (
    <Box flexDirection="column">
      <Text bold>
        Writing files in {dir} ({done}/{rows.length} written{failed > 0 ? `, ${failed} failed` : ''})
      </Text>
      {rows.map((row) => (
        <Text key={row.path}>
          {'  '}
          <StatusIcon status={row.status} /> {row.path}
          {row.status === 'failed' && row.error ? <Text color="red"> {row.error}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
