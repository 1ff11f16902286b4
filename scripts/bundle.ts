import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, formatMessages, type BuildOptions, type Message, type Metafile, type Plugin } from 'esbuild';

/**
 * `npm run build` (also run by `npm pack`, as prepack) makes two builds of the whole CLI
 * (src/cli/main.ts and every dependency), both running with nothing but Node.js 20 (no
 * node_modules beside them):
 * - dist/swarm-wiz.mjs, ONE ES module: the support server gets this file and runs it from cron with
 *   Debian's `nodejs` (src/adapters/bundle.ts copies it there);
 * - dist/cli/main.mjs and its chunks, the package's `swarm-wiz` command: code-split, so a command
 *   starts by loading commander and the commands' registration only, and everything heavy (zod, Ink,
 *   the DigitalOcean client, acme-client, …) through the dynamic imports of the command that needs it.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTFILE = join(ROOT, 'dist', 'swarm-wiz.mjs');
export const DEFAULT_PACKAGE_DIR = join(ROOT, 'dist', 'cli');
/** The package's entry in its folder: package.json's `bin` points at dist/cli/main.mjs. */
export const PACKAGE_ENTRY = 'main.mjs';
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

/** What both builds share: Node 20 ESM, readable stack traces, the CommonJS globals, no devtools. */
const COMMON = {
  absWorkingDir: ROOT,
  entryPoints: { main: ENTRY },
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
} satisfies BuildOptions;

/** Any esbuild warning fails the build: each one is a dependency doing something at run time (an optional require, a path read next to its own file) that has to be handled here on purpose. */
async function refuseWarnings(warnings: Message[]): Promise<void> {
  if (warnings.length === 0) return;
  const text = await formatMessages(warnings, { kind: 'warning' });
  throw new Error(`esbuild warned; handle each in scripts/bundle.ts:\n${text.join('\n')}`);
}

/** `#!/usr/bin/env node`, exactly once and first (esbuild keeps the entry's own `#!` line above the banner). */
function withShebang(text: string): Buffer {
  const code = text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1) : text;
  return Buffer.from(`${SHEBANG}\n${code}`, 'utf8');
}

/** Whether Node loads `file` as CommonJS: .cjs, or .js under a package.json without `"type": "module"`. */
async function isCommonJs(file: string): Promise<boolean> {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest !== undefined) return (JSON.parse(manifest) as { type?: string }).type !== 'module';
  }
  return true;
}

const CJS_NAMED = 'swarm-wiz-cjs-named';
/**
 * In a code-split build esbuild gives a dynamically imported CommonJS package (`await
 * import('react')`) a chunk of its own that exports `default` only, so `const { createElement } =
 * await import('react')` gets undefined (Node, and the one-file build, also give the named exports).
 * Such an import goes through a small ES module instead, which re-exports `module.exports` under
 * each of its names; the names are those the package has when required here, at build time.
 */
const commonJsNamedExports: Plugin = {
  name: 'commonjs-named-exports',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.namespace !== 'file') return undefined;
      const resolved = await builder.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, importer: args.importer });
      if (resolved.errors.length > 0 || resolved.external || !(await isCommonJs(resolved.path))) return undefined;
      // Relative, as esbuild names every other module in the output's comments (no build machine paths).
      return { path: relative(ROOT, resolved.path), namespace: CJS_NAMED };
    });
    builder.onLoad({ filter: /.*/, namespace: CJS_NAMED }, (args) => {
      const file = resolve(ROOT, args.path);
      const names = Object.keys(createRequire(file)(file) as object).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default');
      const contents = [`import module from ${JSON.stringify(file)};`, 'export default module;', `export const { ${names.join(', ')} } = module;`].join('\n');
      return { contents, loader: 'js', resolveDir: dirname(file) };
    });
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
  const result = await build({ ...COMMON, outfile: path });
  await refuseWarnings(result.warnings);
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote no output');
  const contents = withShebang(output.text);

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

export interface BuiltPackage {
  /** Absolute path of the folder holding the entry and its chunks. */
  dir: string;
  /** Absolute path of the entry (`bin`), executable. */
  entry: string;
  /** Every file written, relative to `dir`. */
  files: string[];
  bytes: number;
  /** What starting a command loads before any dynamic import: the entry and the chunks it imports statically. */
  startup: { bytes: number; files: string[]; packages: string[] };
  ms: number;
}

/** `node_modules/<name>/…` or `node_modules/@scope/name/…` → the package name (the last node_modules wins). */
function packageOf(input: string): string | undefined {
  return /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(input)?.[1];
}

/** The entry and every output it imports statically, from esbuild's metafile. */
function startupClosure(metafile: Metafile, entry: string): BuiltPackage['startup'] {
  const seen = new Set<string>();
  const queue = [entry];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const output = metafile.outputs[next];
    if (seen.has(next) || !output) continue;
    seen.add(next);
    for (const imported of output.imports) if (imported.kind === 'import-statement' && metafile.outputs[imported.path]) queue.push(imported.path);
  }
  const outputs = [...seen].map((path) => metafile.outputs[path]!);
  const packages = new Set(outputs.flatMap((output) => Object.keys(output.inputs).map(packageOf)).filter((name) => name !== undefined));
  return {
    bytes: outputs.reduce((sum, output) => sum + output.bytes, 0),
    files: [...seen].map((path) => basename(path)).sort(),
    packages: [...packages].sort(),
  };
}

/**
 * The package's build: the CLI code-split into `outdir` (default dist/cli): the entry `main.mjs`
 * (0755, the `bin`) and its chunks, all in one folder. Written into a fresh folder beside `outdir`
 * that then replaces it. Fails on any esbuild warning, as the one-file build does.
 */
export async function buildPackage(options: { outdir?: string } = {}): Promise<BuiltPackage> {
  const started = performance.now();
  const dir = resolve(options.outdir ?? DEFAULT_PACKAGE_DIR);
  const result = await build({
    ...COMMON,
    outdir: dir,
    splitting: true,
    // Chunks beside the entry: src/adapters/bundle.ts finds dist/swarm-wiz.mjs two folders up from its own chunk.
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    plugins: [...COMMON.plugins, commonJsNamedExports],
  });
  await refuseWarnings(result.warnings);
  const entryPath = join(dir, PACKAGE_ENTRY);
  if (!result.outputFiles.some((file) => file.path === entryPath)) throw new Error(`esbuild wrote no ${PACKAGE_ENTRY}`);

  await mkdir(dirname(dir), { recursive: true });
  const fresh = join(dirname(dir), `.${basename(dir)}.${randomBytes(6).toString('hex')}.tmp`);
  const old = `${fresh}.old`;
  try {
    await mkdir(fresh);
    for (const file of result.outputFiles) {
      const isEntry = file.path === entryPath;
      await writeFile(join(fresh, relative(dir, file.path)), isEntry ? withShebang(file.text) : file.contents, { mode: isEntry ? 0o755 : 0o644 });
      if (isEntry) await chmod(join(fresh, PACKAGE_ENTRY), 0o755); // writeFile's mode is filtered by the umask
    }
    await rename(dir, old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(fresh, dir);
  } finally {
    await rm(fresh, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
  const files = result.outputFiles.map((file) => relative(dir, file.path)).sort();
  const written = await Promise.all(files.map((file) => stat(join(dir, file))));
  return {
    dir,
    entry: entryPath,
    files,
    bytes: written.reduce((sum, info) => sum + info.size, 0),
    startup: startupClosure(result.metafile, relative(ROOT, entryPath)),
    ms: Math.round(performance.now() - started),
  };
}

const mebibytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `npm run build`: both builds; `--outfile FILE`: the one file only, there (what apply builds from a checkout). */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
  const shown = (path: string): string => relative(process.cwd(), path) || path;
  const built = await buildBundle(values.outfile === undefined ? {} : { outfile: values.outfile });
  process.stdout.write(`${shown(built.path)}: ${mebibytes(built.bytes)} in ${built.ms} ms\n`);
  if (values.outfile !== undefined) return;
  const split = await buildPackage();
  process.stdout.write(
    `${shown(split.entry)}: ${split.files.length} files, ${mebibytes(split.bytes)} in ${split.ms} ms; a command starts by loading ${(split.startup.bytes / 1024).toFixed(0)} KiB (${split.startup.packages.join(', ')})\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
