import { describe, expect, it } from 'vitest';
import { classifySshStderr, keyOfLine, quoteShellArg, remoteCommandLine, sshArgv, sshShell } from '../../src/targets/ssh.js';
import { memoryHostKeyStore } from '../../src/targets/index.js';

describe('quoteShellArg', () => {
  it('wraps every value in single quotes and writes a quote as \'\\\'\'', () => {
    expect(quoteShellArg('plain')).toBe("'plain'");
    expect(quoteShellArg('')).toBe("''");
    expect(quoteShellArg("it's")).toBe("'it'\\''s'");
    expect(quoteShellArg("''")).toBe("''\\'''\\'''");
    expect(quoteShellArg('$(id) `id` ; a\nb')).toBe("'$(id) `id` ; a\nb'");
  });

  it('refuses a NUL, which no argument can hold', () => {
    expect(() => quoteShellArg('a\0b')).toThrow(/NUL/);
  });

  it('joins an argv into one remote command line', () => {
    expect(remoteCommandLine(['docker', 'service', 'ls', '--format', '{{.Name}} x'])).toBe("'docker' 'service' 'ls' '--format' '{{.Name}} x'");
    expect(() => remoteCommandLine([])).toThrow(/empty/);
  });
});

describe('sshArgv', () => {
  const base = { host: '203.0.113.7', keyPath: '/p/.swarm-wiz/ssh/id_ed25519', controlDir: '/tmp/swz-c' };

  it('pins the host key file, batch mode, a shared connection, then user@host -- the remote line', () => {
    const argv = sshArgv(base, '/tmp/swz-c/known_hosts.x', "'true'");
    expect(argv.slice(-4)).toEqual(['22', 'root@203.0.113.7', '--', "'true'"]);
    const options = argv.flatMap((value, i) => (argv[i - 1] === '-o' ? [value] : []));
    expect(options).toEqual(
      expect.arrayContaining([
        'BatchMode=yes',
        'ConnectTimeout=10',
        'ServerAliveInterval=15',
        'ServerAliveCountMax=3',
        'ControlMaster=auto',
        'ControlPath=/tmp/swz-c/%C',
        'ControlPersist=60',
        'StrictHostKeyChecking=yes',
        'UserKnownHostsFile=/tmp/swz-c/known_hosts.x',
        'GlobalKnownHostsFile=/dev/null',
        'IdentitiesOnly=yes',
      ]),
    );
    expect(argv[argv.indexOf('-i') + 1]).toBe(base.keyPath);
  });

  it('without sharing, turns the control master off', () => {
    const argv = sshArgv({ ...base, connectionSharing: false, port: 2222, user: 'deploy', connectTimeoutS: 3 }, '/k', "'true'");
    expect(argv).toEqual(expect.arrayContaining(['ControlMaster=no', 'ControlPath=none', 'ConnectTimeout=3', 'deploy@203.0.113.7']));
    expect(argv[argv.indexOf('-p') + 1]).toBe('2222');
  });

  it('a control folder too long for a unix socket path is refused up front', () => {
    expect(() => sshShell({ ...base, controlDir: `/tmp/${'x'.repeat(60)}`, hostKeys: memoryHostKeyStore(), nodeName: 'n' })).toThrow(/at most 46 characters/);
  });
});

describe('keyOfLine', () => {
  it('takes type and key from a keyscan line, a .pub line or a bare key', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKz+abc/def=';
    expect(keyOfLine(`[127.0.0.1]:2222 ${key}`)).toBe(key);
    expect(keyOfLine(`${key} root@host`)).toBe(key);
    expect(keyOfLine(key)).toBe(key);
    expect(keyOfLine('# 127.0.0.1:22 SSH-2.0-OpenSSH_9.2')).toBeUndefined();
    expect(keyOfLine('ssh-ed25519 not*base64')).toBeUndefined();
  });
});

describe('classifySshStderr', () => {
  it('tells ssh failures from a remote command that exited 255', () => {
    expect(classifySshStderr('ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n')).toEqual({ kind: 'unreachable', reason: 'refused' });
    expect(classifySshStderr('ssh: connect to host 10.0.0.1 port 22: Connection timed out\r\n')).toEqual({ kind: 'unreachable', reason: 'timeout' });
    expect(classifySshStderr('Connection timed out during banner exchange\r\nConnection to 127.0.0.1 port 5 timed out\r\n')).toEqual({ kind: 'unreachable', reason: 'timeout' });
    expect(classifySshStderr('ssh: Could not resolve hostname nope: Name or service not known\r\n')).toEqual({ kind: 'unreachable', reason: 'unresolved' });
    expect(classifySshStderr('root@127.0.0.1: Permission denied (publickey).\r\n')).toEqual({ kind: 'auth' });
    expect(classifySshStderr('Host key verification failed.\r\n')).toEqual({ kind: 'host-key', offered: undefined });
    expect(classifySshStderr('The fingerprint for the ED25519 key sent by the remote host is\nSHA256:abc+/D.\nHost key verification failed.\n')).toEqual({ kind: 'host-key', offered: 'SHA256:abc+/D' });
    expect(classifySshStderr('Connection to 203.0.113.7 closed by remote host.\r\n')).toEqual({ kind: 'dropped' });
    expect(classifySshStderr('Timeout, server 203.0.113.7 not responding.\r\n')).toEqual({ kind: 'dropped' });
    expect(classifySshStderr('error: something the remote program said\n')).toBeUndefined();
    expect(classifySshStderr('')).toBeUndefined();
  });
});
