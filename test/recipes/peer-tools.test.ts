import { describe, expect, it } from 'vitest';
import { requireTool } from '../peers/tools.js';

describe('a missing peer tool', () => {
  it('fails with a message naming the tool, its use and how to install it (never a skip)', () => {
    expect(() => requireTool('frobnicator', ['swarm-wiz-no-such-tool', '--version'], 'checking frobs')).toThrow(
      /frobnicator is needed for checking frobs .*test\/peers\/install\.sh.*never skip/,
    );
  });

  it('passes when the probe exits 0', () => {
    expect(() => requireTool('sh', ['sh', '-c', 'exit 0'], 'nothing')).not.toThrow();
  });
});
