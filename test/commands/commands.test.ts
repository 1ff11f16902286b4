import { describe, expect, it } from 'vitest';
import {
  addNodeLabels,
  hashFiles,
  makeDir,
  nginxReload,
  nginxTest,
  parseHashes,
  parseInterfaceAddress,
  parseNodeList,
  parseServiceTasks,
  parseStackServices,
  parseSwarmInfo,
  parseUpdateStates,
  redact,
  stackDeploy,
  swarmInit,
  swarmJoin,
  writeFile,
} from '../../src/commands/index.js';
import { scriptLine } from '../../src/commands/command.js';

describe('commands are argv data', () => {
  it('a file is written beside its target with its mode from the start, then renamed over it', () => {
    const commands = writeFile('/srv/swarm-wiz/demo/proxy/certs/a.com/privkey.pem', 'KEY', 0o600);
    expect(commands.map((c) => c.argv)).toEqual([
      ['mkdir', '-p', '--', '/srv/swarm-wiz/demo/proxy/certs/a.com'],
      ['install', '-m', '0600', '/dev/null', '/srv/swarm-wiz/demo/proxy/certs/a.com/.privkey.pem.swarm-wiz-new'],
      ['dd', 'of=/srv/swarm-wiz/demo/proxy/certs/a.com/.privkey.pem.swarm-wiz-new', 'status=none'],
      ['mv', '-f', '--', '/srv/swarm-wiz/demo/proxy/certs/a.com/.privkey.pem.swarm-wiz-new', '/srv/swarm-wiz/demo/proxy/certs/a.com/privkey.pem'],
    ]);
    // The content travels on stdin, never in an argument (the process list).
    expect(commands[2]!.stdin).toBe('KEY');
    expect(commands.flatMap((c) => c.argv).join(' ')).not.toContain('KEY');
    expect(makeDir('/srv/x', 0o700).map((c) => c.argv)).toEqual([['mkdir', '-p', '--', '/srv/x'], ['chmod', '0700', '--', '/srv/x']]);
  });

  it('checksums: relative paths, staging files of an interrupted write left out', () => {
    expect(hashFiles('/p').argv).toEqual(['find', '/p', '-type', 'f', '-exec', 'sha256sum', '--', '{}', '+']);
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const hashes = parseHashes(`${a}  /p/nginx.conf\n${b}  /p/certs/a.com/fullchain.pem\n${a}  /p/certs/.x.swarm-wiz-new\n`, '/p');
    expect([...hashes]).toEqual([['nginx.conf', a], ['certs/a.com/fullchain.pem', b]]);
  });

  it('a join token is marked secret and redacted wherever the command is shown', () => {
    const join = swarmJoin('SWMTKN-1-abc', '10.110.0.2', '10.110.0.3');
    expect(join.argv).toEqual(['docker', 'swarm', 'join', '--token', 'SWMTKN-1-abc', '--advertise-addr', '10.110.0.3', '10.110.0.2:2377']);
    expect(redact(join.argv.join(' '), join.secrets)).toBe('docker swarm join --token *** --advertise-addr 10.110.0.3 10.110.0.2:2377');
    expect(swarmInit(undefined).argv).toEqual(['docker', 'swarm', 'init']);
    expect(addNodeLabels('n1', { 'swarm-wiz.proxy': 'true' }).argv).toEqual(['docker', 'node', 'update', '--label-add', 'swarm-wiz.proxy=true', 'n1']);
  });

  it('the stack deploy passes interpolated values with env, never through a shell', () => {
    const deploy = stackDeploy({ project: 'demo', composePath: '/srv/swarm-wiz/demo/docker-compose.yml', env: { SWARM_WIZ_PROXY_DIR: '/srv/swarm-wiz/demo/proxy' }, resolveImage: 'never' });
    expect(deploy.argv).toEqual(['env', 'SWARM_WIZ_PROXY_DIR=/srv/swarm-wiz/demo/proxy', 'docker', 'stack', 'deploy', '--with-registry-auth', '--prune', '--resolve-image', 'never', '-c', '/srv/swarm-wiz/demo/docker-compose.yml', 'demo']);
    expect(nginxTest('c1').argv).toEqual(['docker', 'exec', 'c1', 'nginx', '-t', '-q', '-c', '/etc/nginx/swarm-wiz/nginx.conf']);
    expect(nginxReload('c1').argv).toEqual(['docker', 'kill', '--signal', 'HUP', 'c1']);
  });

  it('a generated script line quotes only what needs it', () => {
    expect(scriptLine(['docker', 'stack', 'deploy', '-c', 'docker-compose.yml', 'demo'])).toBe('docker stack deploy -c docker-compose.yml demo');
    expect(scriptLine(['echo', "it's $(here)"])).toBe("echo 'it'\\''s $(here)'");
  });

  it("parses docker's JSON output", () => {
    expect(parseSwarmInfo('{"NodeID":"n1","NodeAddr":"10.0.0.2","LocalNodeState":"active","ControlAvailable":true,"Error":"","Cluster":{"ID":"c1"}}')).toEqual({
      nodeId: 'n1', nodeAddr: '10.0.0.2', state: 'active', isManager: true, clusterId: 'c1',
    });
    expect(parseSwarmInfo('{"NodeID":"","NodeAddr":"","LocalNodeState":"inactive","ControlAvailable":false,"Error":"","RemoteManagers":null}').state).toBe('inactive');
    expect(parseStackServices('{"ID":"x","Image":"nginx","Mode":"replicated","Name":"demo_proxy","Ports":"","Replicas":"1/1 (max 1 per node)"}\n')).toEqual([
      { name: 'demo_proxy', mode: 'replicated', running: 1, desired: 1, image: 'nginx' },
    ]);
    expect(parseServiceTasks('{"Name":"demo_a.1","Node":"n1","DesiredState":"Running","CurrentState":"Rejected 2 seconds ago","Error":"No such image: a:1"}')[0]!.error).toBe('No such image: a:1');
    expect(parseNodeList('{"ID":"n1","Hostname":"m1","Status":"Ready","Availability":"Active","ManagerStatus":"Leader","EngineVersion":"20.10.24","Self":true}')[0]).toMatchObject({ hostname: 'm1', managerStatus: 'Leader', self: true });
    expect(parseUpdateStates('demo_proxy\t\ndemo_a\tupdating\tupdate in progress\ndemo_b\trollback_completed\trollback completed\n')).toEqual([
      { service: 'demo_proxy', state: '', message: '' },
      { service: 'demo_a', state: 'updating', message: 'update in progress' },
      { service: 'demo_b', state: 'rollback_completed', message: 'rollback completed' },
    ]);
    expect(parseInterfaceAddress('5: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0')).toBe('172.17.0.1');
  });
});
