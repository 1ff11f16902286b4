import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, formatMessages, type Plugin } from 'esbuild';

/**
 * `npm run build`: the whole CLI (src/cli/main.ts and every dependency) as one ES module,
 * dist/swarm-wiz.mjs, that runs with nothing but Node.js 20: no node_modules beside it. The support
 * server copies it and runs it from cron with Debian's `nodejs`.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTFILE = join(ROOT, 'dist', 'swarm-wiz.mjs');
const ENTRY = join(ROOT, 'src', 'cli', 'main.ts');
const DEVTOOLS_STUB = join(ROOT, 'scripts', 'bundle-stubs', 'ink-devtools.ts');

const SHEBANG = '#!/usr/bin/env node';
/**
 * CommonJS dependencies bundled into an ES module still call `require('fs')` and read `__dirname`;
 * an ES module has neither, so the bundle defines them at its top (Node builtins only: nothing else
 * is left to resolve at run time).
 */
const COMMONJS_GLOBALS = [
  "import { createRequire as __swarmWizCreateRequire } from 'node:module';",
  "import { fileURLToPath as __swarmWizFileURLToPath } from 'node:url';",
  "import { dirname as __swarmWizDirname } from 'node:path';",
  'const require = __swarmWizCreateRequire(import.meta.url);',
  'const __filename = __swarmWizFileURLToPath(import.meta.url);',
  'const __dirname = __swarmWizDirname(__filename);',
].join('\n');

/**
 * Ink imports its devtools (`await import('./devtools.js')`) only when DEV=true; they need
 * `react-devtools-core`, which is not installed, and `ws`. Left external, the import would become a
 * static import at the top of the bundle and fail at every start; so both resolve, from Ink's
 * devtools files only, to a stub that stops with a clear message when DEV=true.
 */
const inkDevtoolsStub: Plugin = {
  name: 'ink-devtools-stub',
  setup(builder) {
    builder.onResolve({ filter: /^(react-devtools-core|ws)$/ }, (args) =>
      /[\\/]ink[\\/]build[\\/]devtools(-window-polyfill)?\.js$/.test(args.importer) ? { path: DEVTOOLS_STUB } : undefined,
    );
  },
};

export interface BuiltBundle {
  /** Absolute path of the written bundle. */
  path: string;
  bytes: number;
  /** Wall time of the build and write, in milliseconds. */
  ms: number;
}

/**
 * Bundles the CLI into `outfile` (default dist/swarm-wiz.mjs): written under a temporary name in the
 * same folder, made executable (0755) and renamed over the old one, so a running copy never sees half
 * a file. Any esbuild warning fails the build: each one is a dependency doing something at run time
 * (an optional require, a path read next to its own file) that has to be handled here on purpose.
 */
export async function buildBundle(options: { outfile?: string } = {}): Promise<BuiltBundle> {
  const started = performance.now();
  const path = resolve(options.outfile ?? DEFAULT_OUTFILE);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outfile: path,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Readable stack traces on the server: no minifying, function and class names kept.
    minify: false,
    keepNames: true,
    charset: 'utf8',
    banner: { js: COMMONJS_GLOBALS },
    plugins: [inkDevtoolsStub],
    logLevel: 'silent',
  });
  if (result.warnings.length > 0) {
    const text = await formatMessages(result.warnings, { kind: 'warning' });
    throw new Error(`esbuild warned; handle each in scripts/bundle.ts:\n${text.join('\n')}`);
  }
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote no output');
  // The entry's own `#!` line (if any) is kept by esbuild above the banner; exactly one, first.
  const code = output.text.startsWith('#!') ? output.text.slice(output.text.indexOf('\n') + 1) : output.text;
  const contents = Buffer.from(`${SHEBANG}\n${code}`, 'utf8');

  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, contents, { mode: 0o755 });
    await chmod(temporary, 0o755); // writeFile's mode is filtered by the umask
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path, bytes: contents.length, ms: Math.round(performance.now() - started) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
  const built = await buildBundle(values.outfile === undefined ? {} : { outfile: values.outfile });
  const megabytes = (built.bytes / 1024 / 1024).toFixed(1);
  process.stdout.write(`${relative(process.cwd(), built.path) || built.path}: ${megabytes} MiB in ${built.ms} ms\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
