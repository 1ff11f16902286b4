import { describe, expect, it } from 'vitest';
import { AcmeProblemError, ChallengeInvalidError } from '../../src/adapters/acme/errors.js';
import { parseServiceTasks, parseUpdateStates } from '../../src/commands/stack.js';
import { CommandFailed, SshFailed } from '../../src/targets/errors.js';
import { REMOTE_TEXT_MAX, remoteLine, remoteText } from '../../src/text/remote-text.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('remoteText', () => {
  it('removes escape sequences and every C0/C1 control but the newline', () => {
    const hostile = '\u001b[2J\u001b[H\u001b]0;owned\u0007ok\rall certificates fine\n\u009b31mred\u0000\u0008x\ty\u007f';
    const shown = remoteText(hostile);
    expect(shown).not.toMatch(CONTROL);
    expect(shown).toBe('okall certificates fine\nredxy');
  });

  it('keeps ordinary text, newlines and non-ASCII letters as they are; \\r\\n becomes a newline', () => {
    expect(remoteText('droplet limit reached\r\nsee bücher.de')).toBe('droplet limit reached\nsee bücher.de');
  });

  it(`caps at ${REMOTE_TEXT_MAX} characters and says how many more there were`, () => {
    const shown = remoteText('x'.repeat(200_000));
    expect(shown).toBe(`${'x'.repeat(REMOTE_TEXT_MAX)}… ${200_000 - REMOTE_TEXT_MAX} more characters`);
  });

  it('remoteLine puts it on one line', () => {
    expect(remoteLine('a\n  b\r\nc')).toBe('a b c');
  });
});

describe('every adapter shows remote text through it', () => {
  const hostile = `\u001b[2J\u001b]0;pwned\u0007boom\rall certificates fine\n${'A'.repeat(200_000)}`;
  const safe = (text: string) => {
    expect(text).not.toMatch(CONTROL);
    expect(text.length).toBeLessThan(REMOTE_TEXT_MAX + 600);
    expect(text).not.toMatch(/^all certificates fine/m);
  };

  it('a CA problem detail and a failed challenge', () => {
    safe(new AcmeProblemError({ type: 'urn:ietf:params:acme:error:malformed', status: 400, detail: hostile }).message);
    safe(new ChallengeInvalidError('a.com', 'http-01', hostile).message);
  });

  it("a command's stderr and ssh's own message", () => {
    safe(new CommandFailed({ command: { argv: ['docker', 'info'], description: 'docker info' }, nodeName: 'demo-manager-1', exitCode: 1, stderr: hostile }).message);
    safe(new SshFailed({ nodeName: 'demo-manager-1', address: '10.0.0.1:22', detail: hostile, hint: 'What to do: …' }).message);
  });

  it("a task's error and a service's update message from docker", () => {
    const [task] = parseServiceTasks(`${JSON.stringify({ Name: 'demo_a.1', Node: 'n', DesiredState: 'Running', CurrentState: 'Failed', Error: hostile })}\n`);
    safe(task!.error);
    const [state] = parseUpdateStates(`demo_a\trollback_completed\t${hostile}\n`);
    safe(state!.message);
  });
});
