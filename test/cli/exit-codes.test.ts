import { describe, expect, it } from 'vitest';
import { Cancelled, Interrupted, RunFailed, UsageError } from '../../src/app/errors.js';
import { ProjectLockedError } from '../../src/app/project-lock.js';
import { CliExit, EXIT } from '../../src/cli/exit.js';
import { exitCodeOf } from '../../src/cli/run-cli.js';
import { ConfigError } from '../../src/config/errors.js';
import { PromptExited } from '../../src/wizard/prompter.js';
import { testIo } from './test-io.js';

// One place maps how a command ended to its exit code, by the error's class: the same words in another
// class end another way, and no message is read to decide.
describe('the exit code of a failed command, by class', () => {
  it.each([
    ['UsageError', new UsageError('--target "moon" is not a target'), EXIT.usage],
    ['ConfigError', new ConfigError([{ path: 'sites[0].domain', reason: 'is not a domain' }]), EXIT.usage],
    ['RunFailed', new RunFailed('creating the droplets failed'), EXIT.failure],
    ['Cancelled', new Cancelled(), EXIT.failure],
    ['ProjectLockedError', new ProjectLockedError({ pid: 42, command: 'apply' }, '/p/.swarm-wiz/project.lock'), EXIT.failure],
    ['Interrupted by Ctrl-C', new Interrupted('Interrupted: run apply again.', 'SIGINT'), EXIT.interrupted],
    ['Interrupted by SIGTERM', new Interrupted('Interrupted: run apply again.', 'SIGTERM'), EXIT.terminated],
    ['PromptExited', new PromptExited(), EXIT.failure],
    ['CliExit', new CliExit(EXIT.usage, 'apply needs a confirmation'), EXIT.usage],
    ['any other error', new Error('no service a in swarm-wiz.yaml'), EXIT.failure],
  ])('%s', (_, error, code) => {
    const { io, stderr } = testIo({ cwd: '/' });
    expect(exitCodeOf(error, io, false)).toBe(code);
    expect(stderr()).toContain(error.message);
  });

  it('a message that reads like a usage error is still a failure in another class', () => {
    const { io } = testIo({ cwd: '/' });
    expect(exitCodeOf(new RunFailed('no service a in swarm-wiz.yaml'), io, false)).toBe(EXIT.failure);
    expect(exitCodeOf(new UsageError('no service a in swarm-wiz.yaml'), io, false)).toBe(EXIT.usage);
  });
});
