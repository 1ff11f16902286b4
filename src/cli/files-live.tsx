import { render } from 'ink';
import { FileProgressScreen } from '../../screens/file-progress.js';
import type { GeneratedFile } from '../app/project-files.js';
import { writeProjectFiles, type WriteOutcome } from '../app/file-writes.js';
import { applyFileWriteEvent, pendingRows } from '../run/file-progress.js';
import type { CliIo } from './io.js';
import { afterInk, afterPrompt } from './terminal-handoff.js';

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
