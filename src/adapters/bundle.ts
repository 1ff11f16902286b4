import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The name `npm run build` gives the one-file swarm-wiz (see scripts/bundle.ts). */
export const BUNDLE_NAME = 'swarm-wiz.mjs';

export class BundleError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** The newest modification time of the files under `paths` (folders walked). */
async function newestMtime(paths: readonly string[]): Promise<number> {
  let newest = 0;
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      for (const entry of await readdir(path)) if (entry !== 'node_modules') await visit(join(path, entry));
    } else newest = Math.max(newest, info.mtimeMs);
  };
  for (const path of paths) await visit(path);
  return newest;
}

/**
 * swarm-wiz as one file, to copy onto the support server: this very file when swarm-wiz runs as the
 * bundle; otherwise `dist/swarm-wiz.mjs` of the folder two levels up: in the installed package (this
 * code runs from a chunk in dist/cli/) it ships ready-made; in a checkout (src/adapters/) it is built
 * first with `scripts/bundle.ts` (`npm run build`) when it is missing or older than the sources.
 */
export async function swarmWizBundle(self: string = fileURLToPath(import.meta.url)): Promise<{ path: string; content: string }> {
  if (basename(self) === BUNDLE_NAME) return { path: self, content: await readFile(self, 'utf8') };
  const root = resolve(dirname(self), '..', '..');
  const path = join(root, 'dist', BUNDLE_NAME);
  const script = join(root, 'scripts', 'bundle.ts');
  const sources = ['src', 'recipes', 'screens', 'scripts', 'package-lock.json'].map((entry) => join(root, entry));
  const built = await stat(path).catch(() => undefined);
  if (!built || built.mtimeMs < (await newestMtime(sources))) {
    if (!existsSync(script)) throw new BundleError(`${path} is missing and cannot be built here (no ${script})`, 'Run npm run build in the swarm-wiz folder, then apply again.');
    const run = await execa(process.execPath, ['--import', 'tsx', script, '--outfile', path], { cwd: root, reject: false, timeout: 120_000 });
    if (run.exitCode !== 0) throw new BundleError(`building ${path} failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' / ')}`, 'Run npm ci, then npm run build, and apply again.');
  }
  return { path, content: await readFile(path, 'utf8') };
}
