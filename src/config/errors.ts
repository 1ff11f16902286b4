/** One validation failure: where (a key path like `sites[1].service.port`) and why. */
export interface ConfigIssue {
  path: string;
  reason: string;
}

/** A config that cannot be used. Its message lists every issue as `path: reason`, one per line. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  readonly file: string | undefined;

  constructor(issues: readonly ConfigIssue[], file?: string) {
    const where = file ? `${file} is not valid:` : 'the config is not valid:';
    super([where, ...issues.map((issue) => `  ${issue.path}: ${issue.reason}`)].join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }
}
