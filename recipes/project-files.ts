import type { Config } from '../src/config/index.js';
import type { GeneratedFile, RenderContext } from './index.js';

export function renderProjectFiles(_config: Config, _context: RenderContext = {}): GeneratedFile[] {
  throw new Error('recipes not written yet');
}
