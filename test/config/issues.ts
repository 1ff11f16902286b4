import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';

/** The `path: reason` lines parseConfig rejects `input` with; fails the test when it is accepted. */
export function issuesOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.reason}`);
  }
  throw new Error('expected the config to be rejected');
}
