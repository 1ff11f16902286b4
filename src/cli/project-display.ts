import type { GeneratedFile } from '../app/project-files.js';
import { writeProjectFiles, type WriteOutcome } from '../app/file-writes.js';
import { editLines, type AskOnEdit, type FileInspection, type FilesIo } from '../app/project-files.js';
import type { ProjectPreview } from '../app/project-preview.js';
import { Cancelled } from '../app/errors.js';
import { formatFileChanges, type OnEdit } from '../app/plan-text.js';
import type { ProgressDisplayMode } from '../../screens/apply-progress-live.js';
import type { Prompter } from '../wizard/prompter.js';
import { prompterOf, writeLine, type CliIo } from './io.js';

// How a command shows the project's files, in the one display mode live progress uses (a live Ink list
// on a terminal, a line per file otherwise, nothing with --json): Ink is loaded only to show something with it
// (screens/project-text.tsx, the file list), so plan-only `apply --json` renders, plans and writes without it.

/** Whether anything is shown at all: --json (and `none`) print only the result. */
export const shows = (display: ProgressDisplayMode): boolean => display === 'ink' || display === 'lines';

/** Writes the files, showing progress as asked. */
async function writeFilesWithProgress(io: CliIo, dir: string, files: readonly GeneratedFile[], display: ProgressDisplayMode): Promise<WriteOutcome> {
  if (!shows(display)) return writeProjectFiles(dir, files);
  if (display === 'lines') {
    return writeProjectFiles(dir, files, (event) => {
      if (event.type === 'done') writeLine(io.stdout, `  wrote ${event.path}`);
      if (event.type === 'failed') writeLine(io.stderr, `  FAILED ${event.path}: ${event.error}`);
    });
  }
  const { writeFilesLive } = await import('./files-live.js');
  return writeFilesLive(io, dir, files);
}



/** The files as a use case writes them, shown as asked, with what happened to files edited by hand. */
export function filesIo(io: CliIo, display: ProgressDisplayMode): FilesIo {
  return {
    write: (dir, files) => writeFilesWithProgress(io, dir, files, display),
    wrote: (outcome) => {
      if (shows(display)) for (const line of editLines(outcome)) writeLine(io.stdout, line);
    },
  };
}

/**
 * The files as the review shows them before writing: the Ink list with coloured diffs on a
 * terminal, plain text otherwise, nothing with --json.
 */
export async function showFileChanges(io: CliIo, dir: string, inspection: FileInspection, onEdit: OnEdit | undefined, display: ProgressDisplayMode): Promise<void> {
  if (!shows(display)) return;
  if (display === 'lines') {
    writeLine(io.stdout, formatFileChanges(inspection.changes, onEdit ? { onEdit } : {}));
    return;
  }
  const { filesText } = await import('../../screens/project-text.js');
  writeLine(io.stdout, filesText(dir, inspection, onEdit, io.stdout.columns || 160));
}

/** Asks before anything is written or created; a no stops the command. */
export async function confirmPreview(prompter: Prompter, preview: ProjectPreview): Promise<void> {
  const go = await prompter.confirm({ message: preview.planOnly ? 'Write these files?' : 'Write these files and make these changes in DigitalOcean?', default: true });
  if (!go) throw new Cancelled();
}

/** The question about files edited by hand (their diff is on screen already); the answer is remembered for the project. */
export function askOnEdit(io: CliIo): AskOnEdit {
  return async (edited) => {
    const prompter = await prompterOf(io);
    return prompter.select<OnEdit>({
      message: `${edited.join(', ')} ${edited.length === 1 ? 'was' : 'were'} edited by hand since swarm-wiz wrote ${edited.length === 1 ? 'it' : 'them'} (the diff is above). What should swarm-wiz do with a file you edited? (remembered for this project)`,
      choices: [
        { value: 'orig', name: 'Keep my version as <file>.orig and write the new one' },
        { value: 'stop', name: 'Stop and write nothing (I bring my change into swarm-wiz.yaml first)' },
      ],
      default: 'stop',
    });
  };
}
