import { Box, Text } from 'ink';
import type { PlanStep, StepOp } from '../src/plan/index.js';

export interface ReviewFile {
  path: string;
  description: string;
  mode: number;
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

/** The files to write, with mode and purpose. */
export function FilesSection({ dir, files }: Pick<ReviewScreenProps, 'dir' | 'files'>) {
  const pathWidth = Math.max(...files.map((file) => file.path.length), 4);
  return (
    <Box flexDirection="column">
      <Text bold>
        Files to write in {dir} ({files.length})
      </Text>
      {files.map((file) => (
        <Text key={file.path}>
          {'  '}
          {file.path.padEnd(pathWidth)} <Text dimColor>{octal(file.mode)}</Text> {file.description}
        </Text>
      ))}
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

/** What swarm-wiz is about to do: the files it writes and the cloud changes it makes (or would make). */
export function ReviewScreen({ project, dir, files, steps, planOnly }: ReviewScreenProps) {
  return (
    <Box flexDirection="column">
      <Text bold>Review: project {project}</Text>
      <Box marginTop={1}>
        <FilesSection dir={dir} files={files} />
      </Box>
      <Box marginTop={1}>
        <CloudSection steps={steps} planOnly={planOnly} />
      </Box>
    </Box>
  );
}
