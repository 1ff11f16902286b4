import type { OnEdit } from '../app/plan-text.js';
import { CliExit, EXIT } from './exit.js';

/** The help of `--on-edit`, the same on every command that has it. */
export const ON_EDIT_HELP = 'a generated file you edited by hand that swarm-wiz would change: orig (keep yours as <file>.orig, write the new one) or stop (write nothing); remembered for the project';

/** `--on-edit`'s value, checked: exit 2 naming the valid choices. */
export function parseOnEdit(value: string | undefined): OnEdit | undefined {
  if (value === undefined) return undefined;
  if (value === 'orig' || value === 'stop') return value;
  throw new CliExit(EXIT.usage, `--on-edit ${JSON.stringify(value)} is not a choice (one of orig, stop)`);
}
