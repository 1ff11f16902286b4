import { Text } from 'ink';
import Spinner from 'ink-spinner';
import type { FileWriteStatus } from '../src/run/file-progress.js';
import type { RowStatus } from '../src/run/index.js';

/** The mark before a row, the same on the file list and the provisioning screen. */
export function StatusIcon({ status }: { status: RowStatus | FileWriteStatus }) {
  switch (status) {
    case 'pending':
      return <Text dimColor>·</Text>;
    case 'running':
    case 'waiting':
    case 'writing':
      return (
        <Text color="cyan">
          <Spinner type="dots" />
        </Text>
      );
    case 'done':
      return <Text color="green">✔</Text>;
    case 'failed':
      return <Text color="red">✘</Text>;
    case 'stopped':
      return <Text color="yellow">■</Text>;
    case 'unchanged':
      return <Text dimColor>=</Text>;
    case 'manual':
      return <Text color="yellow">!</Text>;
  }
}
