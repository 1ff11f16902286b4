import { Box, Text } from 'ink';
import { costHeadline, costItemLine, FILE_MARK, fileNote, fileSummary, type FileChange, type FileStatus, type OnEdit, type PlanStep, type ProjectCost, type StepOp } from '../src/plan/index.js';
import { FileDiff } from './file-diff.js';

export interface ReviewFile {
  path: string;
  description: string;
  mode: number;
  /** What writing it does against the disk (absent for swarm-wiz.yaml, which is saved as it is). */
  change?: FileChange;
}

/** The part of a plan step the review shows. */
export type ReviewStep = Pick<PlanStep, 'op' | 'kind' | 'name' | 'description'>;

export interface ReviewScreenProps {
  project: string;
  /** Absolute project directory the files go to. */
  dir: string;
  files: readonly ReviewFile[];
  steps: readonly ReviewStep[];
  /** No DigitalOcean token: files are written, nothing is created in the cloud. */
  planOnly: boolean;
  /** The choice for files edited by hand, when made (flag or remembered). */
  onEdit?: OnEdit;
  /** What the project costs a month at DigitalOcean (not shown for a project on this machine). */
  cost?: ProjectCost;
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

function OpMark({ op, manual }: { op: StepOp; manual: boolean }) {
  if (manual) return <Text color="yellow">! by hand</Text>;
  switch (op) {
    case 'create':
      return <Text color="green">+ create </Text>;
    case 'update':
      return <Text color="yellow">~ update </Text>;
    case 'delete':
      return <Text color="red">- delete </Text>;
    case 'same':
      return <Text dimColor>  same   </Text>;
  }
}

const MARK_COLOR: Record<FileStatus, string | undefined> = {
  new: 'green',
  unchanged: undefined,
  changed: 'yellow',
  unrecorded: 'yellow',
  edited: 'red',
  'edited-kept': 'yellow',
};

/** One file: its mark, path, mode and purpose (or what happens to it), and the diff under it. */
function FileRow({ file, pathWidth, onEdit }: { file: ReviewFile; pathWidth: number; onEdit: OnEdit | undefined }) {
  const change = file.change;
  const head = (
    <Text>
      {'  '}
      {change ? (
        <Text color={MARK_COLOR[change.status]} dimColor={change.status === 'unchanged'}>
          {FILE_MARK[change.status]}
        </Text>
      ) : (
        <Text>{' '.repeat(FILE_MARK.new.length)}</Text>
      )}{' '}
      {file.path.padEnd(pathWidth)} <Text dimColor>{octal(file.mode)}</Text> {change ? fileNote(change, onEdit) : file.description}
    </Text>
  );
  if (!change || change.diff.length === 0) return head;
  return (
    <Box flexDirection="column">
      {head}
      <FileDiff lines={change.diff} />
    </Box>
  );
}

/** The files to write, with mode and purpose; a changed file with its unified diff (old on disk → new). */
export function FilesSection({ dir, files, onEdit }: Pick<ReviewScreenProps, 'dir' | 'files' | 'onEdit'>) {
  const pathWidth = Math.max(...files.map((file) => file.path.length), 4);
  const changes = files.flatMap((file) => (file.change ? [file.change] : []));
  return (
    <Box flexDirection="column">
      <Text bold>
        Files to write in {dir} ({files.length})
      </Text>
      {files.map((file) => (
        <FileRow key={file.path} file={file} pathWidth={pathWidth} onEdit={onEdit} />
      ))}
      {changes.length > 0 ? <Text dimColor>  {fileSummary(changes)}</Text> : null}
    </Box>
  );
}

/** The cloud changes, Terraform style (each step's description names its resource); unchanged ones are only counted. */
export function CloudSection({ steps, planOnly }: Pick<ReviewScreenProps, 'steps' | 'planOnly'>) {
  // Records to create by hand stay listed on every run: only the person can tell they exist.
  const shown = steps.filter((step) => step.op !== 'same' || step.kind === 'manual-dns');
  const unchanged = steps.length - shown.length;
  return (
    <Box flexDirection="column">
      <Text bold>{planOnly ? 'DigitalOcean: what apply would do (plan-only: nothing is created)' : 'DigitalOcean: what apply will do'}</Text>
      {shown.map((step) => (
        <Text key={`${step.kind}:${step.name}`}>
          {'  '}
          <OpMark op={step.op} manual={step.kind === 'manual-dns'} /> {step.kind.padEnd(13)} {step.description}
        </Text>
      ))}
      {shown.length === 0 ? <Text>  No changes: the cloud already matches swarm-wiz.yaml.</Text> : null}
      {unchanged > 0 ? <Text dimColor>  ({unchanged} unchanged)</Text> : null}
    </Box>
  );
}

/** The monthly cost: the sum (or why it is unknown), each item with where its price comes from, what is left out. */
export function CostSection({ cost }: { cost: ProjectCost }) {
  return (
    <Box flexDirection="column">
      <Text bold>{costHeadline(cost)}</Text>
      {cost.items.map((item) => (
        <Text key={item.what}>  {costItemLine(item)}</Text>
      ))}
      {cost.notes.map((note) => (
        <Text key={note} dimColor>
          {'  '}
          {note}
        </Text>
      ))}
    </Box>
  );
}

/** What swarm-wiz is about to do: the files it writes, the cloud changes it makes (or would make) and what they cost. */
export function ReviewScreen({ project, dir, files, steps, planOnly, onEdit, cost }: ReviewScreenProps) {
  return (
    <Box flexDirection="column">
      <Text bold>Review: project {project}</Text>
      <Box marginTop={1}>
        <FilesSection dir={dir} files={files} {...(onEdit ? { onEdit } : {})} />
      </Box>
      <Box marginTop={1}>
        <CloudSection steps={steps} planOnly={planOnly} />
      </Box>
      {cost ? (
        <Box marginTop={1}>
          <CostSection cost={cost} />
        </Box>
      ) : null}
    </Box>
  );
}
