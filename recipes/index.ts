export type { GeneratedFile, RenderContext } from './types.js';

/** Every file of a project, in a stable order. Pure: no I/O. Implemented in recipes/project-files.ts. */
export { renderProjectFiles } from './project-files.js';
