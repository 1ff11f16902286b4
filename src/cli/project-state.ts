import { loadStateSecured, type State } from '../state/index.js';
import { writeLine, type CliIo } from './io.js';

/**
 * The project's recorded state, for a command: a state.json (or `.swarm-wiz/`) that others could
 * read is made private first, with a warning on stderr.
 */
export async function loadProjectState(io: CliIo, dir: string, project: string): Promise<State> {
  const { state, warnings } = await loadStateSecured(dir, project);
  for (const warning of warnings) writeLine(io.stderr, `warning: ${warning}`);
  return state;
}
