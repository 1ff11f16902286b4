import { renderToString } from 'ink';
import { CloudSection, FilesSection, ReviewScreen, type ReviewFile } from './review.js';
import type { OnEdit } from '../src/app/plan-text.js';
import type { FileInspection } from '../src/app/project-files.js';
import { CONFIG_FILE } from '../src/config/file-name.js';
import type { ProjectPreview } from '../src/app/project-preview.js';

// The project's review as text for any stream: what apply and the wizard print before they ask.

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
      {...(preview.target === 'local' ? {} : { cost: preview.cost })}
    />,
    { columns },
  );
}

/** What the review lists: swarm-wiz.yaml (when it is saved too) and every generated file. */
function reviewFiles(preview: ProjectPreview): ReviewFile[] {
  const configRow: ReviewFile = { path: CONFIG_FILE, mode: 0o644, description: 'the project: desired state, safe to commit (no secrets)' };
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
