import { loadStateSecured, type State } from '../state/index.js';

/**
 * The project's recorded state, for a command: a state.json (or `.swarm-wiz/`) that others could
 * read is made private first, with a warning (`warn`, stderr in the CLI).
 */
export async function loadProjectState(dir: string, project: string, warn: (line: string) => void): Promise<State> {
  const { state, warnings } = await loadStateSecured(dir, project);
  for (const warning of warnings) warn(`warning: ${warning}`);
  return state;
}
