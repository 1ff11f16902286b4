import { render, renderToString } from 'ink';
import type { GeneratedFile } from '../../recipes/index.js';
import { FileProgressScreen } from '../../screens/file-progress.js';
import { CloudSection, FilesSection, ReviewScreen } from '../../screens/review.js';
import type { OnEdit } from '../plan/index.js';
import type { FileInspection } from './file-guard.js';
import { applyFileWriteEvent, pendingRows } from '../run/file-progress.js';
import { writeProjectFiles, type WriteOutcome } from './file-writes.js';
import type { CliIo } from './io.js';
import type { ProjectPreview } from './project-preview.js';
import { afterInk, afterPrompt } from './terminal-handoff.js';

/** The Ink review screen as text, for any stream. */
export function reviewText(preview: ProjectPreview, columns = 120, onEdit: OnEdit | undefined = preview.inspection.records.onEdit): string {
  return renderToString(
    <ReviewScreen
      project={preview.config.project}
      dir={preview.dir}
      files={preview.reviewFiles}
      steps={preview.steps}
      planOnly={preview.planOnly}
      {...(onEdit ? { onEdit } : {})}
    />,
    { columns },
  );
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
