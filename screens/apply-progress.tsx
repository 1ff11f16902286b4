import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { ProgressRow, ProgressState } from '../src/run/index.js';
import { StatusIcon } from './status-icon.js';

export interface ApplyProgressScreenProps {
  project: string;
  progress: ProgressState;
  /** What the rows are doing; only changes the title. */
  action?: 'apply' | 'destroy';
  /** Milliseconds since the epoch; the screen ticks its own clock when absent (tests pass a fixed one). */
  now?: number;
}

const OP_SIGN = { create: '+', update: '~', delete: '-', same: ' ', check: '?' } as const;

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function Row({ row, now }: { row: ProgressRow; now: number }) {
  const elapsed = row.startedAt !== undefined ? formatElapsed((row.endedAt ?? now) - row.startedAt) : '';
  return (
    <Box flexDirection="column">
      <Text>
        {'  '}
        <StatusIcon status={row.status} /> {OP_SIGN[row.op]} {row.kind.padEnd(13)} {row.name.padEnd(22)} <Text dimColor>{elapsed.padStart(6)}</Text>
        {row.message && row.status !== 'failed' ? <Text dimColor> {row.message}</Text> : null}
      </Text>
      {row.status === 'failed' && row.reason ? (
        <Box flexDirection="column" marginLeft={6}>
          <Text color="red">{row.reason.message}</Text>
          <Text>{row.reason.hint}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

function useClock(fixed: number | undefined, ticking: boolean): number {
  const [now, setNow] = useState(() => fixed ?? Date.now());
  useEffect(() => {
    if (fixed !== undefined || !ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [fixed, ticking]);
  return fixed ?? now;
}

/**
 * Live provisioning progress: a row per resource (spinner while it is being created or awaited,
 * elapsed time), unchanged resources folded into a count, the failed step with its reason and
 * what to do, retries after rate limits, and the DNS records to create by hand.
 */
export function ApplyProgressScreen({ project, progress, action = 'apply', now: fixedNow }: ApplyProgressScreenProps) {
  const now = useClock(fixedNow, progress.outcome === 'running');
  const shown = progress.rows.filter((r) => r.status !== 'unchanged' && r.status !== 'manual');
  const unchanged = progress.rows.filter((r) => r.status === 'unchanged').length;
  const done = shown.filter((r) => r.status === 'done').length;
  return (
    <Box flexDirection="column">
      <Text bold>
        {action === 'destroy' ? 'Destroying' : 'Provisioning'} {project} on DigitalOcean{progress.account ? ` (${progress.account})` : ''}: {done}/{shown.length} done
        {unchanged > 0 ? `, ${unchanged} unchanged` : ''}
      </Text>
      {progress.warnings.map((warning) => (
        <Text key={warning} color="yellow">
          {'  '}! {warning}
        </Text>
      ))}
      {shown.map((row) => (
        <Row key={row.id} row={row} now={now} />
      ))}
      {progress.retrying ? (
        <Text color="yellow">
          {'  '}retrying {progress.retrying.what} in {(progress.retrying.delayMs / 1000).toFixed(1)}s (attempt {progress.retrying.attempt}): {progress.retrying.reason}
        </Text>
      ) : null}
      {progress.outcome === 'aborted' ? <Text color="yellow">{progress.abortMessage}</Text> : null}
      {progress.outcome === 'finished' && shown.length === 0 ? <Text color="green">Nothing to change: DigitalOcean already matches swarm-wiz.yaml.</Text> : null}
      {progress.manualDns.length > 0 ? (
        <Box flexDirection="column">
          <Text bold>Create these DNS records at your DNS provider:</Text>
          {progress.manualDns.map((line) => (
            <Text key={line}>  {line}</Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
