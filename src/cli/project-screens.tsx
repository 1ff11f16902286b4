import { render, renderToString } from 'ink';
import type { GeneratedFile } from '../app/project-files.js';
import { FileProgressScreen } from '../../screens/file-progress.js';
import { CloudSection, FilesSection, ReviewScreen, type ReviewFile } from '../../screens/review.js';
import type { OnEdit } from '../app/plan-text.js';
import type { FileInspection } from '../app/project-files.js';
import { applyFileWriteEvent, pendingRows } from '../run/file-progress.js';
import { writeProjectFiles, type WriteOutcome } from '../app/file-writes.js';
import { DEFAULT_CONFIG_FILE } from './common-options.js';
import type { CliIo } from './io.js';
import type { ProjectPreview } from '../app/project-preview.js';
import { afterInk, afterPrompt } from './terminal-handoff.js';

/** The Ink review screen as text, for any stream. */
export function reviewText(preview: ProjectPreview, columns = 120, onEdit: OnEdit | undefined = preview.inspection.records.onEdit): string {
  return renderToString(
    <ReviewScreen
      project={preview.config.project}
      dir={preview.dir}
      files={reviewFiles(preview)}
      steps={preview.steps}
      planOnly={preview.planOnly}
      {...(onEdit ? { onEdit } : {})}
    />,
    { columns },
  );
}

/** What the review lists: swarm-wiz.yaml (when it is saved too) and every generated file. */
function reviewFiles(preview: ProjectPreview): ReviewFile[] {
  const configRow: ReviewFile = { path: DEFAULT_CONFIG_FILE, mode: 0o644, description: 'the project: desired state, safe to commit (no secrets)' };
  return [...(preview.savesConfig ? [configRow] : []), ...preview.inspection.changes.map((change) => ({ path: change.file.path, mode: change.file.mode, description: change.file.description, change }))];
}

/** Only the files part of the review, as text: each file's mark, and each changed file's diff. */
export function filesText(dir: string, inspection: FileInspection, onEdit: OnEdit | undefined, columns = 120): string {
  const files = inspection.changes.map((change) => ({ path: change.file.path, mode: change.file.mode, description: change.file.description, change }));
  return renderToString(<FilesSection dir={dir} files={files} {...(onEdit ? { onEdit } : {})} />, { columns });
}

/** Only the cloud part of the review, as text: what plan-only apply prints after writing the files. */
export function cloudText(preview: ProjectPreview, columns = 120): string {
  return renderToString(<CloudSection steps={preview.steps} planOnly={preview.planOnly} />, { columns });
}

/** Writes the files under a live Ink list (a terminal). */
export async function writeFilesLive(io: CliIo, dir: string, files: readonly GeneratedFile[]): Promise<WriteOutcome> {
  let rows = pendingRows(files);
  afterPrompt(io);
  const app = render(<FileProgressScreen dir={dir} rows={rows} />, {
    stdout: io.stdout,
    stdin: io.stdin,
    stderr: io.stderr,
    patchConsole: false,
  });
  const outcome = await writeProjectFiles(dir, files, (event) => {
    rows = applyFileWriteEvent(rows, event);
    app.rerender(<FileProgressScreen dir={dir} rows={rows} />);
  });
  app.unmount();
  await app.waitUntilExit();
  afterInk(io);
  return outcome;
}
