import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { configSchema, formatPath, TOP_LEVEL_KEYS, type Config } from './schema.js';

/** Where a key of the file is (`line 3, column 1`), when the caller knows the text; never the text itself. */
export type KeyLocator = (path: readonly PropertyKey[]) => string | undefined;

/** A key shown as it is written: a word a person would type (a typo of a real key). Anything else is placed by line and column. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,40}$/;

function issuesFrom(error: z.ZodError, locate: KeyLocator): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = PLAIN_KEY.test(key) ? formatPath([...issue.path, key]) : (locate([...issue.path, key]) ?? `${formatPath(issue.path)} (a key)`);
        issues.push({ path, reason: `is not a known key${PLAIN_KEY.test(key) ? '' : ' (not shown: it is not a word)'} (check the spelling; see the config reference in README.md)` });
      }
    } else if (issue.code === 'invalid_union' && issue.path.length === 0) {
      issues.push({ path: '(top level)', reason: 'expected a mapping of keys (project, region, …)' });
    } else {
      issues.push({ path: formatPath(issue.path), reason: issue.message });
    }
  }
  return issues;
}

/**
 * Every own `__proto__` key in the document (YAML makes one for `__proto__:`), as issues: a plain
 * object cannot hold it (assigning it sets the prototype), so the schema would drop it silently.
 */
function prototypeKeys(value: unknown, path: PropertyKey[] = []): ConfigIssue[] {
  if (value === null || typeof value !== 'object') return [];
  const own = Array.isArray(value) ? [] : Object.keys(value).filter((key) => key === '__proto__');
  const here = own.map((key) => ({ path: formatPath([...path, key]), reason: '"__proto__" cannot be a key here (JavaScript objects reserve it); rename it' }));
  const children = Array.isArray(value) ? value.map((item, i) => prototypeKeys(item, [...path, i])) : Object.entries(value).filter(([key]) => key !== '__proto__').map(([key, item]) => prototypeKeys(item, [...path, key]));
  return [...here, ...children.flat()];
}

/** Validates a parsed document against the contract; throws ConfigError listing every problem. */
export function parseConfig(document: unknown, file?: string, locate: KeyLocator = () => undefined): Config {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([{ path: '(top level)', reason: 'expected a mapping of keys (project, region, sites, …)' }], file);
  }
  // Another kind of file (--config /etc/shadow): one line, and none of its text.
  if (!Object.keys(document).some((key) => TOP_LEVEL_KEYS.includes(key))) {
    throw new ConfigError([{ path: '(top level)', reason: `has none of the keys of a swarm-wiz.yaml (${TOP_LEVEL_KEYS.join(', ')}); is it the right file?` }], file);
  }
  const reserved = prototypeKeys(document);
  const result = configSchema.safeParse(document);
  if (!result.success || reserved.length > 0) throw new ConfigError([...reserved, ...(result.success ? [] : issuesFrom(result.error, locate))], file);
  return result.data;
}
