import { Box, Text } from 'ink';
import type { CertStatusRow } from '../src/certs/cert-status.js';
import { CERT_HEALTH, CERT_HEALTH_WIDTH } from './cert-health.js';
import type { NodeRow, ServedRow, ServedState, ServiceHealth, ServiceRow, ServiceState, StatusSnapshot, SupportView } from '../src/status/snapshot.js';
import { healthWords, problemsOf } from '../src/status/snapshot.js';
import type { BackupVolumeFacts } from '../src/status/backup-check.js';

export interface StatusScreenProps {
  snapshot: StatusSnapshot;
  /** `--watch`: the seconds between rounds, shown in the footer. */
  watchSeconds?: number;
}

const PENDING = '…';

/** A fixed-width cell (columns line up without a table library). */
function Cell({ width, children, color, dim }: { width: number; children: React.ReactNode; color?: string; dim?: boolean }) {
  return (
    <Box width={width} flexShrink={0}>
      <Text wrap="truncate-end" {...(color ? { color } : {})} dimColor={dim ?? false}>
        {children}
      </Text>
    </Box>
  );
}

function Title({ children, note }: { children: string; note?: string }) {
  return (
    <Box marginTop={1}>
      <Text bold>{children}</Text>
      {note ? <Text dimColor> {note}</Text> : null}
    </Box>
  );
}

function NodeLine({ node }: { node: NodeRow }) {
  const proxy = node.proxyTasks > 0 ? `proxy ×${node.proxyTasks}` : node.carriesProxy ? 'proxy (none running)' : '';
  return (
    <Box>
      <Cell width={20}>{node.hostname}</Cell>
      <Cell width={18}>{`${node.role}${node.leader ? ' (leader)' : ''}`}</Cell>
      <Cell width={10} color={node.availability === 'active' ? 'green' : 'yellow'}>
        {node.availability}
      </Cell>
      <Cell width={9} color={node.state === 'ready' ? 'green' : 'red'}>
        {node.state}
      </Cell>
      <Cell width={22} dim>
        {`docker ${node.engineVersion}`}
      </Cell>
      <Text color={node.carriesProxy && node.proxyTasks === 0 ? 'yellow' : 'cyan'}>{proxy}</Text>
    </Box>
  );
}

/** A volume's last backup run: when, and whether it went. */
function BackupLine({ volume }: { volume: BackupVolumeFacts }) {
  const { last } = volume;
  const good = last?.lastGood ?? (last?.ok ? last.at : undefined);
  const when = (at: string) => `${at.slice(0, 16).replace('T', ' ')} UTC`;
  return (
    <Box>
      <Cell width={28}>{volume.volume}</Cell>
      <Cell width={18}>{volume.service}</Cell>
      {!last ? (
        <Text dimColor>no backup yet</Text>
      ) : last.ok ? (
        <Text color="green">{`backed up ${when(last.at)}`}</Text>
      ) : (
        <Text color="red">{`failed ${when(last.at)}: ${last.error ?? 'no reason recorded'}${good ? `; last good ${when(good)}` : ''}`}</Text>
      )}
    </Box>
  );
}

/** The support droplet: not a swarm node, but where the renewals run. */
function SupportLine({ support }: { support: SupportView }) {
  return (
    <Box>
      <Cell width={20}>{support.name}</Cell>
      <Cell width={18}>support</Cell>
      {support.state === 'pending' ? (
        <Text dimColor>{`asking over SSH ${PENDING}`}</Text>
      ) : support.state === 'ok' ? (
        <Text color="green">answers over SSH; renews from cron</Text>
      ) : (
        <Text color="red">{`no answer over SSH${support.error ? ` (${support.error})` : ''}`}</Text>
      )}
    </Box>
  );
}

const SERVICE: Record<ServiceState, { color: string; label: string }> = {
  ok: { color: 'green', label: 'running' },
  degraded: { color: 'yellow', label: 'degraded' },
  down: { color: 'red', label: 'down' },
  stopped: { color: 'gray', label: 'stopped' },
  missing: { color: 'red', label: 'not deployed' },
};

/** A failing check in colour; a passing one as quiet as the rest of the line. */
const HEALTH_COLOR: Record<ServiceHealth, string | undefined> = { healthy: undefined, starting: 'yellow', unhealthy: 'red' };

function ServiceLine({ service }: { service: ServiceRow }) {
  const look = SERVICE[service.state];
  const details = [
    { text: service.mode },
    { text: healthWords(service), color: service.health ? HEALTH_COLOR[service.health] : undefined },
    { text: service.starting > 0 ? `${service.starting} starting` : '' },
  ].filter((part) => part.text !== '');
  const problem = service.state !== 'ok' && service.state !== 'stopped';
  return (
    <Box flexDirection="column">
      <Box>
        <Cell width={22}>{service.name}</Cell>
        <Cell width={8}>{service.state === 'missing' ? '–' : `${service.running}/${service.desired}`}</Cell>
        <Cell width={14} color={look.color}>
          {look.label}
        </Cell>
        {details.map((part, i) => (
          <Text key={i} dimColor={!part.color} {...(part.color ? { color: part.color } : {})}>
            {i > 0 ? ' · ' : ''}
            {part.text}
          </Text>
        ))}
      </Box>
      {service.lastError ? (
        <Text color={problem ? 'red' : undefined} dimColor={!problem}>
          {'    '}last task error: {service.lastError}
          {service.lastErrorTask ? ` (${service.lastErrorTask})` : ''}
        </Text>
      ) : null}
    </Box>
  );
}

const SERVED: Record<ServedState, { color: string; label: string }> = {
  pending: { color: 'gray', label: PENDING },
  ok: { color: 'green', label: 'ok' },
  down: { color: 'red', label: 'down' },
  mismatch: { color: 'yellow', label: '≠ stored' },
  expired: { color: 'red', label: 'expired' },
  'http-error': { color: 'red', label: 'HTTP error' },
};

const shortSerial = (serial: string): string => (serial.length > 14 ? `${serial.slice(0, 14)}…` : serial);
const day = (iso: string): string => iso.slice(0, 10);

function ServedLine({ row }: { row: ServedRow }) {
  const look = SERVED[row.state];
  const tlsPending = row.pending.includes('tls');
  const httpPending = row.pending.includes('http');
  const serial = tlsPending && row.serial === undefined ? PENDING : row.serial ? `${shortSerial(row.serial)}${row.matches ? ' = stored' : ''}` : '–';
  const http = httpPending && row.httpStatus === undefined ? PENDING : row.httpStatus !== undefined ? `HTTP ${row.httpStatus}` : '–';
  return (
    <Box flexDirection="column">
      <Box>
        <Cell width={22}>{row.entry}</Cell>
        <Cell width={18}>{row.domain}</Cell>
        <Cell width={11} color={look.color}>
          {look.label}
        </Cell>
        <Cell width={25} dim={row.state === 'pending'}>
          {serial}
        </Cell>
        <Cell width={14}>{row.notAfter ? `to ${day(row.notAfter)}` : ''}</Cell>
        <Text>{http}</Text>
        {row.trusted === false ? <Text color="yellow"> not trusted</Text> : null}
      </Box>
      {row.error ? (
        <Text color="red">
          {'    '}
          {row.error}
        </Text>
      ) : null}
    </Box>
  );
}


function CertLine({ row }: { row: CertStatusRow }) {
  const look = CERT_HEALTH[row.health];
  const days = row.daysLeft === undefined ? '' : row.daysLeft < 0 ? `expired ${-row.daysLeft} d ago` : `${row.daysLeft} days left`;
  const window = row.nextRenewal ? `renews ${day(row.nextRenewal)} (${row.renewalBasis === 'ari' ? 'CA window' : '⅓ life left'})` : '';
  return (
    <Box flexDirection="column">
      <Box>
        <Cell width={20}>{row.domain}</Cell>
        <Cell width={CERT_HEALTH_WIDTH} color={look.color}>
          {look.label}
        </Cell>
        <Cell width={16}>{days}</Cell>
        <Cell width={32} dim>
          {window}
        </Cell>
        {row.lastSuccessAt && !row.lastError ? <Text dimColor>renewed {day(row.lastSuccessAt)}</Text> : null}
      </Box>
      {row.readError ? (
        <Text color="red">
          {'    '}the stored certificate cannot be read: {row.readError}
        </Text>
      ) : null}
      {row.renewalError ? (
        <Text color="red">
          {'    '}last renewal failed: {row.renewalError}
          {row.retryAfter ? ` (next try after ${row.retryAfter})` : ''}
        </Text>
      ) : null}
    </Box>
  );
}

/**
 * `swarm-wiz status`: Nodes, Stack, Served (every entry × every domain), Certificates. Renders one
 * snapshot; what has not answered yet shows as `…`.
 */
export function StatusScreen({ snapshot, watchSeconds }: StatusScreenProps) {
  const { cluster } = snapshot;
  const done = cluster.state !== 'pending' && snapshot.certificates !== undefined && snapshot.served.every((row) => row.pending.length === 0) && snapshot.support?.state !== 'pending';
  const problems = done ? problemsOf(snapshot) : [];
  const clusterNote = cluster.state === 'ok' ? `via ${cluster.via ?? 'a manager'}` : cluster.state === 'pending' ? `asking a manager ${PENDING}` : undefined;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{snapshot.project}</Text> <Text dimColor>status as of {snapshot.at.slice(0, 19).replace('T', ' ')} UTC</Text>
      </Text>
      <Title {...(clusterNote ? { note: clusterNote } : {})}>Nodes</Title>
      {cluster.state === 'unreachable' ? (
        <Text color="red">
          {'  '}no answer from a manager{cluster.via ? ` (${cluster.via})` : ''}: {cluster.error}
        </Text>
      ) : cluster.state === 'pending' && snapshot.nodes.length === 0 ? (
        <Text dimColor>{`  ${PENDING}`}</Text>
      ) : null}
      {snapshot.nodes.map((node) => (
        <NodeLine key={node.id} node={node} />
      ))}
      {snapshot.support ? <SupportLine support={snapshot.support} /> : null}
      <Title>Stack</Title>
      {snapshot.services.length === 0 ? <Text dimColor>{cluster.state === 'pending' ? `  ${PENDING}` : '  –'}</Text> : null}
      {snapshot.services.map((service) => (
        <ServiceLine key={service.service} service={service} />
      ))}
      <Title>Served</Title>
      {snapshot.served.length === 0 ? <Text dimColor>{done ? '  not probed' : `  ${PENDING}`}</Text> : null}
      {snapshot.served.map((row) => (
        <ServedLine key={`${row.entry} ${row.domain}`} row={row} />
      ))}
      <Title>Certificates</Title>
      {snapshot.certificates === undefined ? <Text dimColor>{`  ${PENDING}`}</Text> : null}
      {(snapshot.certificates ?? []).map((row) => (
        <CertLine key={row.domain} row={row} />
      ))}
      {snapshot.backups ? (
        <>
          <Title>Backups</Title>
          {snapshot.backups.volumes.length === 0 ? <Text dimColor>{'  no service has volumes'}</Text> : null}
          {snapshot.backups.volumes.map((volume) => (
            <BackupLine key={volume.volume} volume={volume} />
          ))}
        </>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        {!done ? <Text dimColor>waiting for answers {PENDING}</Text> : problems.length === 0 ? <Text color="green">All fine.</Text> : <Text color="yellow">{problems.length === 1 ? '1 problem:' : `${problems.length} problems:`}</Text>}
        {problems.map((line) => (
          <Text key={line} color="yellow">
            {'  '}
            {line}
          </Text>
        ))}
        {watchSeconds !== undefined ? <Text dimColor>refreshing every {watchSeconds} s · Ctrl-C to stop</Text> : null}
      </Box>
    </Box>
  );
}
