import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { configSchema, formatPath, type Config } from './schema.js';

function issuesFrom(error: z.ZodError): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: formatPath([...issue.path, key]), reason: 'is not a known key (check the spelling; see the config reference in README.md)' });
      }
    } else if (issue.code === 'invalid_union' && issue.path.length === 0) {
      issues.push({ path: '(top level)', reason: 'expected a mapping of keys (project, region, …)' });
    } else {
      issues.push({ path: formatPath(issue.path), reason: issue.message });
    }
  }
  return issues;
}

/** Validates a parsed document against the contract; throws ConfigError listing every problem. */
export function parseConfig(document: unknown, file?: string): Config {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([{ path: '(top level)', reason: 'expected a mapping of keys (project, region, sites, …)' }], file);
  }
  const result = configSchema.safeParse(document);
  if (!result.success) throw new ConfigError(issuesFrom(result.error), file);
  return result.data;
}
