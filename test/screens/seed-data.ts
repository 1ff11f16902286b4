import { renderProjectFiles } from '../../recipes/index.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { planCloud } from '../../src/plan/index.js';
import { emptyState } from '../../src/state/index.js';

/** The seed's project as the screens receive it: its rendered files and its cloud plan from nothing. */
export function seedScreenData() {
  const config = parseConfig(SEED_EXAMPLE);
  const files = renderProjectFiles(config, {});
  const steps = planCloud(config, emptyState(config.project));
  return { config, files, steps };
}

/** Ink wraps long lines at the terminal width; compare text with every run of whitespace as one space. */
export function flat(frame: string | undefined): string {
  return (frame ?? '').replace(/\s+/g, ' ');
}
