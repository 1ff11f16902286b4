import { describe, expect, it } from 'vitest';
import { CommandAborted, CommandFailed, localShell, localTarget } from '../../src/targets/index.js';
import { rejection } from './rejection.js';

const SECRET = 'SWMTKN-1-s3cr3t-join-token-0123456789';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};


describe('localShell', () => {
  const shell = localShell();

  it('feeds command.stdin (text and bytes) and returns stdout byte for byte, final newline kept', async () => {
    const text = await shell.run({ argv: ['cat'], stdin: 'line one\nline two\n', description: 'echo stdin' });
    expect(text).toEqual({ exitCode: 0, stdout: 'line one\nline two\n', stderr: '' });
    const bytes = await shell.run({ argv: ['wc', '-c'], stdin: new Uint8Array(70_000).fill(7), description: 'count bytes' });
    expect(bytes.stdout.trim()).toBe('70000');
  });

  it('gives a command without stdin /dev/null, so nothing waits for input', async () => {
    const result = await shell.run({ argv: ['cat'], description: 'read empty stdin' }, { timeoutMs: 5_000 });
    expect(result.stdout).toBe('');
  });

  it('streams stdout and stderr line by line to onOutput', async () => {
    const lines: string[] = [];
    const result = await shell.run(
      { argv: ['sh', '-c', 'printf "a\\nb\\n"; printf "e1\\n" >&2; sleep 0.1; printf "c"'], description: 'three lines' },
      { onOutput: (line) => lines.push(line) },
    );
    expect(result.stdout).toBe('a\nb\nc');
    expect(result.stderr).toBe('e1\n');
    expect(lines.sort()).toEqual(['a', 'b', 'c', 'e1']);
  });

  it('run rejects a non-zero exit with CommandFailed; probe returns it', async () => {
    const command = { argv: ['sh', '-c', 'echo "no such service" >&2; exit 3'], description: 'inspect the service' };
    const error = await rejection(shell.run(command));
    expect(error).toBeInstanceOf(CommandFailed);
    const failed = error as CommandFailed;
    expect(failed.exitCode).toBe(3);
    expect(failed.message).toContain('inspect the service (on local) failed (exit 3)');
    expect(failed.message).toContain('no such service');
    expect(failed.hint).toMatch(/^What to do:/);
    expect(await shell.probe(command)).toEqual({ exitCode: 3, stdout: '', stderr: 'no such service\n' });
  });

  it('keeps only the last lines of a long stderr in the error', async () => {
    const error = (await rejection(shell.run({ argv: ['sh', '-c', 'for i in $(seq 1 50); do echo "line $i" >&2; done; exit 1'], description: 'noisy' }))) as CommandFailed;
    expect(error.outputTail.split('\n')).toEqual(Array.from({ length: 10 }, (_, i) => `line ${41 + i}`));
  });

  it('never shows a secret from argv, stderr, stdout or the description in the error or onOutput', async () => {
    const lines: string[] = [];
    const command = {
      argv: ['sh', '-c', 'echo "joining with $1" >&2; echo "stdout $1"; exit 4', 'sh', SECRET],
      secrets: [SECRET],
      description: `join the swarm with ${SECRET}`,
    };
    const error = (await rejection(shell.run(command, { onOutput: (line) => lines.push(line) }))) as CommandFailed;
    expect(error).toBeInstanceOf(CommandFailed);
    const shown = [error.message, error.stack ?? '', error.summary, error.hint, error.outputTail, error.description, JSON.stringify(error), ...lines].join('\n');
    expect(shown).not.toContain(SECRET);
    expect(error.message).toContain('joining with ***');
    expect(lines.sort()).toEqual(['joining with ***', 'stdout ***']);
    // The result is data for the caller (e.g. a join token read from docker), not output shown: not redacted.
    const probed = await shell.probe(command);
    expect(probed.stdout).toBe(`stdout ${SECRET}\n`);
  });

  it('a program that does not exist is CommandFailed naming it, without the argv', async () => {
    const error = (await rejection(shell.run({ argv: ['swarm-wiz-no-such-program', SECRET], secrets: [SECRET], description: 'run a missing tool' }))) as CommandFailed;
    expect(error).toBeInstanceOf(CommandFailed);
    expect(error.message).toContain('could not start: swarm-wiz-no-such-program: not found');
    expect(error.message).not.toContain(SECRET);
    await expect(shell.probe({ argv: ['swarm-wiz-no-such-program'], description: 'probe a missing tool' })).rejects.toBeInstanceOf(CommandFailed);
  });

  it('kills the process when the signal aborts (CommandAborted), and does not start one when it already has', async () => {
    const controller = new AbortController();
    let pid = 0;
    const started = Date.now();
    const running = shell.run(
      { argv: ['sh', '-c', 'echo $$; exec sleep 30'], description: 'sleep' },
      {
        signal: controller.signal,
        onOutput: (line) => {
          pid = Number(line);
          controller.abort();
        },
      },
    );
    const error = await rejection(running);
    expect(error).toBeInstanceOf(CommandAborted);
    expect((error as CommandAborted).message).toContain('sleep (on local) was interrupted');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    await expect(shell.run({ argv: ['sh', '-c', 'exit 0'], description: 'never' }, { signal: controller.signal })).rejects.toBeInstanceOf(CommandAborted);
  });

  it('stops a command that passes its timeout: CommandFailed saying so', async () => {
    const started = Date.now();
    const error = (await rejection(shell.run({ argv: ['sleep', '30'], description: 'wait forever' }, { timeoutMs: 300 }))) as CommandFailed;
    expect(error).toBeInstanceOf(CommandFailed);
    expect(error.timedOut).toBe(true);
    expect(error.exitCode).toBeUndefined();
    expect(error.message).toContain('wait forever (on local) did not finish within 0.3 s and was stopped');
    expect(Date.now() - started).toBeLessThan(10_000);
    // the shell's own default applies when the call gives none
    const quick = localShell({ timeoutMs: 200 });
    await expect(quick.probe({ argv: ['sleep', '30'], description: 'wait' })).rejects.toMatchObject({ timedOut: true });
  });

  it('adds env to every command (e.g. DOCKER_HOST), keeping the rest of the environment', async () => {
    const pointed = localShell({ env: { DOCKER_HOST: 'unix:///tmp/swz-other.sock' } });
    const result = await pointed.run({ argv: ['sh', '-c', 'printf "%s|%s" "$DOCKER_HOST" "${PATH:+has-path}"'], description: 'show env' });
    expect(result.stdout).toBe('unix:///tmp/swz-other.sock|has-path');
  });
});

describe('localTarget', () => {
  it('is one manager node named local, with a local shell', async () => {
    const target = localTarget({ privateIp: '127.0.0.1' });
    expect(target.kind).toBe('local');
    expect(target.nodes()).toEqual([{ name: 'local', role: 'manager', privateIp: '127.0.0.1' }]);
    expect((await target.shell('local').run({ argv: ['echo', 'ok'], description: 'echo' })).stdout).toBe('ok\n');
    expect(() => target.shell('manager-1')).toThrow(/one node, local; there is no node manager-1/);
    await target.close();
  });
});

describe('localShell and left-behind processes', () => {
  it('an abort or timeout does not wait for a background process that still holds the output pipes', async () => {
    const shell = localShell();
    const leftovers: number[] = [];
    try {
      for (const how of ['abort', 'timeout'] as const) {
        const controller = new AbortController();
        const started = Date.now();
        const running = shell.run(
          { argv: ['sh', '-c', 'sleep 30 & echo $!; exec sleep 30'], description: `leave a process behind (${how})` },
          {
            ...(how === 'abort' ? { signal: controller.signal } : { timeoutMs: 500 }),
            onOutput: (line) => {
              leftovers.push(Number(line));
              controller.abort();
            },
          },
        );
        const error = await rejection(running);
        expect(error).toBeInstanceOf(how === 'abort' ? CommandAborted : CommandFailed);
        expect(Date.now() - started).toBeLessThan(10_000);
      }
    } finally {
      for (const pid of leftovers) if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
