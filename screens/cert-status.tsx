import { Box, Text } from 'ink';
import type { CertStatusRow, LiveCheck } from '../src/certs/cert-status.js';
import { CERT_HEALTH } from './cert-health.js';

export interface CertStatusScreenProps {
  rows: CertStatusRow[];
  /** The time the rows were read (shown in the title). */
  now: Date;
}


const day = (iso: string): string => iso.slice(0, 10);
const shortSerial = (serial: string): string => (serial.length > 16 ? `${serial.slice(0, 16)}…` : serial);

function DaysLeft({ row }: { row: CertStatusRow }) {
  if (row.daysLeft === undefined) return null;
  const colour = CERT_HEALTH[row.health].color;
  const text = row.daysLeft < 0 ? `expired ${-row.daysLeft} days ago` : `${row.daysLeft} days left`;
  return <Text color={colour}>{text}</Text>;
}

function LiveLine({ check }: { check: LiveCheck }) {
  const where = `${check.address}:${check.port}`;
  if (check.error) {
    return (
      <Text>
        {'    '}serves <Text dimColor>{where}</Text> <Text color="red">unreachable: {check.error}</Text>
      </Text>
    );
  }
  return (
    <Text>
      {'    '}serves <Text dimColor>{where}</Text> serial {shortSerial(check.serial ?? '?')}{' '}
      {check.matchesStored ? <Text color="green">= stored</Text> : <Text color="yellow">≠ stored</Text>}
      {check.trusted === false ? <Text color="yellow"> (not trusted)</Text> : null}
    </Text>
  );
}

function SiteBlock({ row }: { row: CertStatusRow }) {
  const health = CERT_HEALTH[row.health];
  const others = row.names.filter((name) => name !== row.domain);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        <Text bold>{row.domain}</Text>
        {others.length > 0 ? <Text dimColor> + {others.join(', ')}</Text> : null} <Text color={health.color}>{health.label}</Text>
      </Text>
      {row.meta ? (
        <Text>
          {'    '}
          {row.meta.issuer} · <DaysLeft row={row} /> · until {day(row.meta.notAfter)}
          {row.nextRenewal ? ` · renews from ${day(row.nextRenewal)}${row.renewalBasis === 'ari' ? " (the CA's window)" : ' (a third of its lifetime left)'}` : ' · replaced at the next renewal'}
        </Text>
      ) : null}
      {row.meta && row.meta.sans.length > 0 ? (
        <Text dimColor>
          {'    '}covers {row.meta.sans.join(', ')}
        </Text>
      ) : null}
      {row.live.map((check) => (
        <LiveLine key={`${check.address}:${check.port}`} check={check} />
      ))}
      {row.lastError ? (
        <Text color="red">
          {'    '}last error: {row.lastError}
          {row.retryAfter ? ` (retry after ${row.retryAfter})` : ''}
        </Text>
      ) : null}
    </Box>
  );
}

/** The certificate status screen: one block per site, stored certificate vs what is served. */
export function CertStatusScreen({ rows, now }: CertStatusScreenProps) {
  const failing = rows.filter((row) => row.health !== 'ok' || row.lastError || row.live.some((check) => !check.matchesStored)).length;
  const probed = rows.some((row) => row.live.length > 0);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>Certificates</Text> <Text dimColor>as of {now.toISOString().slice(0, 16).replace('T', ' ')} UTC</Text>
      </Text>
      {rows.map((row) => (
        <SiteBlock key={row.domain} row={row} />
      ))}
      <Box marginTop={1}>
        {failing === 0 ? <Text color="green">All {rows.length} certificates valid{probed ? ' and served' : ''}.</Text> : <Text color="yellow">{failing} of {rows.length} sites need attention.</Text>}
      </Box>
    </Box>
  );
}
