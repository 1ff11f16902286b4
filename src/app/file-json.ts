import { diffText, type FileChange } from '../plan/index.js';

/** One generated file in `--json` output: the whole unified diff when it changes, never for secret material. */
export function fileJson(change: FileChange) {
  const { path, mode, description } = change.file;
  return {
    path,
    mode: `0${mode.toString(8)}`,
    description,
    status: change.status,
    ...(change.secret ? { secret: true } : {}),
    ...(change.diff.length > 0 ? { diff: diffText(change.diff) } : {}),
  };
}
