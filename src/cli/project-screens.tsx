import { render, renderToString } from 'ink';
import type { GeneratedFile } from '../../recipes/index.js';
import { FileProgressScreen } from '../../screens/file-progress.js';
import { CloudSection, ReviewScreen } from '../../screens/review.js';
import { applyFileWriteEvent, pendingRows } from '../run/file-progress.js';
import { writeProjectFiles, type WriteOutcome } from './file-writes.js';
import type { CliIo } from './io.js';
import type { ProjectPreview } from './project-preview.js';
import { afterInk, afterPrompt } from './terminal-handoff.js';

/** The Ink review screen as text, for any stream. */
export function reviewText(preview: ProjectPreview, columns = 120): string {
  return renderToString(
    <ReviewScreen project={preview.config.project} dir={preview.dir} files={preview.reviewFiles} steps={preview.steps} planOnly={preview.planOnly} />,
    { columns },
  );
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
