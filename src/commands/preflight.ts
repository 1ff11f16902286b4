import type { Command } from './command.js';

/**
 * The swarm network preflight, as argv: do the nodes reach each other on the ports Docker Swarm needs?
 * What each check proves, honestly:
 * - 2377/tcp (to managers) and 7946/tcp (to every node): a TCP connection to the peer's swarm address
 *   is made and closed. A completed connect proves the port is open from that node to that peer (dockerd
 *   listens there); "refused" or "timed out" proves it is not.
 * - 7946/udp: a UDP port cannot be proven open without a listener that answers, and dockerd's gossip
 *   (memberlist, encrypted in swarm mode) does not answer a stranger. The probe sends one datagram and
 *   fails only when an ICMP "port unreachable" comes back (a REJECT rule, or nothing listening); a DROP
 *   rule (DigitalOcean's cloud firewall, ufw's default) looks the same as an open port that keeps quiet.
 * - 4789/udp (VXLAN): proven by the overlay check. A throwaway attachable overlay network, one nginx
 *   container of the proxy image on each node, and a request from each node's host, through its own
 *   container, to every other node's container by name over that network. An answer from the right
 *   container proves the overlay carries traffic both ways between the two nodes, which needs 4789/udp.
 * The scripts run with python3 (on every droplet: cloud-init needs it) and get every value as an
 * argument, never inside the program text.
 */

/** The label every preflight object carries (`swarm-wiz.preflight=<project>`). */
export const PREFLIGHT_LABEL = 'swarm-wiz.preflight';
/** The port each preflight container answers on, inside the overlay network. */
export const PREFLIGHT_PORT = 8080;
/** Inside the container: the nginx.conf (bind-mounted read-only) and the folder of the relay socket. */
const CONF_IN_CONTAINER = '/etc/swarm-wiz-preflight.conf';
const SOCKET_DIR_IN_CONTAINER = '/run/swarm-wiz-preflight';
const SOCKET_NAME = 'relay.sock';
/** What a container answers on /answer: this prefix and its own name (its hostname). */
export const PREFLIGHT_ANSWER = 'swarm-wiz-preflight';

export const preflightNetwork = (project: string): string => `swarm-wiz-preflight-${project}`;
/** The container on the `index`-th node (from 0); its name is also its DNS name on the preflight network. */
export const preflightContainer = (project: string, index: number): string => `swarm-wiz-preflight-${project}-${index + 1}`;

/** Where the preflight puts its files on a node, inside the project folder. */
export function preflightPaths(projectDir: string): { conf: string; socketDir: string; socket: string } {
  const socketDir = `${projectDir}/preflight`;
  return { conf: `${projectDir}/preflight-nginx.conf`, socketDir, socket: `${socketDir}/${SOCKET_NAME}` };
}

/**
 * nginx for the overlay check (the same on every node): `/answer` returns `swarm-wiz-preflight <hostname>`;
 * `/to/<container>` relays to that container's `/answer` over the overlay network (Docker's DNS at
 * 127.0.0.11 resolves container names there). It listens on PREFLIGHT_PORT for its peers and on a unix
 * socket in a bind-mounted folder for its own host: nothing is published on any host port. Main-context
 * defaults (user, pid, temp paths) are the image's, like the proxy's own nginx.conf.
 */
export const PREFLIGHT_NGINX_CONF = `# swarm-wiz network preflight: removed again right after the check.
worker_processes 1;
error_log stderr warn;
events {
    worker_connections 64;
}
http {
    access_log off;
    resolver 127.0.0.11 valid=1s ipv6=off;
    resolver_timeout 2s;
    server {
        listen ${PREFLIGHT_PORT};
        listen unix:${SOCKET_DIR_IN_CONTAINER}/${SOCKET_NAME};
        location = /answer {
            default_type text/plain;
            return 200 "${PREFLIGHT_ANSWER} $hostname\\n";
        }
        location ~ ^/to/(swarm-wiz-preflight-[a-z0-9-]+)$ {
            proxy_connect_timeout 3s;
            proxy_read_timeout 5s;
            proxy_pass http://$1:${PREFLIGHT_PORT}/answer;
        }
    }
}
`;

/** The attachable overlay network the preflight containers meet on (made on a manager). */
export function preflightNetworkCreate(project: string): Command {
  return {
    argv: ['docker', 'network', 'create', '--driver', 'overlay', '--attachable', '--label', `${PREFLIGHT_LABEL}=${project}`, preflightNetwork(project)],
    description: `create the overlay network ${preflightNetwork(project)} for the network check`,
  };
}

export function preflightNetworkRemove(project: string): Command {
  return { argv: ['docker', 'network', 'rm', preflightNetwork(project)], description: `remove the overlay network ${preflightNetwork(project)}` };
}

/** Writes the preflight's nginx.conf on a node (a throwaway file: no atomic rename needed). */
export function preflightConfWrite(projectDir: string): Command {
  return { argv: ['dd', `of=${preflightPaths(projectDir).conf}`, 'status=none'], stdin: PREFLIGHT_NGINX_CONF, description: 'write the network check\'s nginx.conf' };
}

/** Removes the node's preflight container (run as a probe: it may not exist). */
export function preflightContainerRemove(project: string, index: number): Command {
  return { argv: ['docker', 'rm', '--force', preflightContainer(project, index)], description: `remove the container ${preflightContainer(project, index)}` };
}

/** Removes the node's preflight files (the nginx.conf and the socket folder). */
export function preflightFilesRemove(projectDir: string): Command {
  const paths = preflightPaths(projectDir);
  return { argv: ['rm', '-rf', '--', paths.socketDir, paths.conf], description: 'remove the network check\'s files' };
}

/** Starts the node's preflight container: nginx of `image` on the preflight network, named (and hostnamed) for its DNS name. */
export function preflightContainerRun(options: { project: string; index: number; image: string; projectDir: string }): Command {
  const name = preflightContainer(options.project, options.index);
  const paths = preflightPaths(options.projectDir);
  return {
    argv: [
      'docker', 'run', '--detach', '--name', name, '--hostname', name, '--network', preflightNetwork(options.project),
      '--label', `${PREFLIGHT_LABEL}=${options.project}`,
      '--volume', `${paths.conf}:${CONF_IN_CONTAINER}:ro`,
      '--volume', `${paths.socketDir}:${SOCKET_DIR_IN_CONTAINER}`,
      options.image, 'nginx', '-c', CONF_IN_CONTAINER, '-g', 'daemon off;',
    ],
    description: `start the network check's container ${name}`,
  };
}

/** One port to probe from a node: `tcp` or `udp`, the peer's address and the port. */
export interface PortProbe {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
}

const ADDRESS = /^[0-9A-Fa-f.:]+$/;

/** Fixed program: probes each `proto/port/address` argument concurrently; prints one JSON object per line. */
const PORT_PROBE_PROGRAM = `
import json, socket, sys
from concurrent.futures import ThreadPoolExecutor

def probe(spec):
    proto, port, host = spec.split('/', 2)
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    if proto == 'tcp':
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect((host, int(port)))
            return 'open'
        except ConnectionRefusedError:
            return 'refused'
        except socket.timeout:
            return 'timed out'
        except OSError as e:
            return str(e)
        finally:
            s.close()
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(1)
    try:
        s.connect((host, int(port)))
        for _ in range(2):
            s.send(b'\\0')
            try:
                s.recv(64)
                return 'open'
            except socket.timeout:
                pass
        return 'not refused'
    except ConnectionRefusedError:
        return 'refused'
    except OSError as e:
        return str(e)
    finally:
        s.close()

specs = sys.argv[1:]
with ThreadPoolExecutor(max(1, len(specs))) as pool:
    for spec, result in zip(specs, pool.map(probe, specs)):
        print(json.dumps({'probe': spec, 'result': result}))
`;

const probeSpec = (probe: PortProbe): string => {
  if (!ADDRESS.test(probe.address)) throw new Error(`not an IP address: ${JSON.stringify(probe.address)}`);
  if (!Number.isInteger(probe.port) || probe.port < 1 || probe.port > 65535) throw new Error(`not a port: ${probe.port}`);
  return `${probe.protocol}/${probe.port}/${probe.address}`;
};

/** Probes `probes` from the node it runs on (python3), all at once: at most ~3 s. */
export function portProbes(probes: readonly PortProbe[]): Command {
  return { argv: ['python3', '-c', PORT_PROBE_PROGRAM, ...probes.map(probeSpec)], description: `probe ${probes.length} swarm port${probes.length === 1 ? '' : 's'} of the other nodes` };
}

/**
 * One probe's outcome. `open`: a TCP connection was made (or a UDP answer came). `not refused`: UDP sent,
 * no ICMP error came back (open, or dropped by a firewall: see the top of this file). Anything else
 * (`refused`, `timed out`, an OS error) means the port is not reachable.
 */
export interface PortProbeResult extends PortProbe {
  result: string;
  reachable: boolean;
}

export function parsePortProbes(output: string): PortProbeResult[] {
  return output
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => {
      const raw = JSON.parse(line) as { probe: string; result: string };
      const [protocol, port, address] = raw.probe.split('/', 3) as ['tcp' | 'udp', string, string];
      return { protocol, port: Number(port), address, result: raw.result, reachable: raw.result === 'open' || raw.result === 'not refused' };
    });
}

/**
 * Fixed program: asks the node's own preflight nginx (unix socket) to relay to each peer container,
 * concurrently, retrying until the deadline (seconds) — a fresh overlay needs a moment until its peers
 * are known. Prints one JSON object per peer: `ok`, or the last status / error.
 */
const OVERLAY_PROBE_PROGRAM = `
import json, socket, sys, time
from concurrent.futures import ThreadPoolExecutor
path, deadline, prefix, peers = sys.argv[1], time.time() + float(sys.argv[2]), sys.argv[3], sys.argv[4:]

def ask(peer):
    last = 'no answer'
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(8)
            s.connect(path)
            s.sendall(('GET /to/%s HTTP/1.0\\r\\nHost: preflight\\r\\n\\r\\n' % peer).encode())
            data = b''
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            head, _, body = data.partition(b'\\r\\n\\r\\n')
            status = head.split(b' ', 2)[1].decode() if head.count(b' ') >= 1 else '?'
            if status == '200' and body.decode(errors='replace').strip() == prefix + ' ' + peer:
                return 'ok'
            last = 'HTTP ' + status
        except OSError as e:
            last = str(e) or type(e).__name__
        if time.time() > deadline:
            return last
        time.sleep(0.5)

with ThreadPoolExecutor(max(1, len(peers))) as pool:
    for peer, result in zip(peers, pool.map(ask, peers)):
        print(json.dumps({'peer': peer, 'result': result}))
`;

/** From the node it runs on, through its own preflight container, to each peer container over the overlay network. */
export function overlayProbes(options: { projectDir: string; project: string; peers: readonly number[]; timeoutSeconds: number }): Command {
  return {
    argv: [
      'python3', '-c', OVERLAY_PROBE_PROGRAM, preflightPaths(options.projectDir).socket, String(options.timeoutSeconds), PREFLIGHT_ANSWER,
      ...options.peers.map((index) => preflightContainer(options.project, index)),
    ],
    description: `send a request over the overlay network to ${options.peers.length} other node${options.peers.length === 1 ? '' : 's'}`,
  };
}

/** `ok`, `HTTP 504` (the connection over the overlay timed out), `HTTP 502` (not resolved or refused), or an OS error. */
export function parseOverlayProbes(output: string): { peer: string; result: string }[] {
  return output
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as { peer: string; result: string });
}
