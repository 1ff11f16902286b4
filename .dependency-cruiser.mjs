// The import rules of DESIGN.md "Architecture: one engine, two targets", checked by `npm run lint`.
// Type-only imports and dynamic import() count like any other import.

/**
 * Every folder of the project, top to bottom. A folder imports only folders in its own layer or
 * below: never one higher up. Folders that share a layer may import each other one way only
 * (no-circular-folders). A new folder gets a place here (every-folder-in-a-layer).
 */
const LAYERS = [
  ['src/cli'], //                           flags → request → use case → screen → exit code
  ['src/app', 'screens'], //                 use cases; Ink components
  ['src/run'], //                           the engine
  ['src/plan'], //                          desired + recorded + facts → steps; pure
  ['src/state', 'src/status'], //           state.json and files.json; the status snapshot
  ['src/certs', 'src/alerts'], //           renewal policy, certificate files for the proxy; alerts (pure)
  ['src/adapters'], //                      I/O: DigitalOcean, ACME, DNS, TLS, keys, locks
  ['src/targets', 'recipes', 'src/wizard'], // where commands run; config → file text; the questions
  ['src/commands', 'src/config'], //        argv builders; the config schema, atomic writes
  ['src/text'], //                          remote text made safe to show; imports nothing of the project
];

const anyOf = (folders) => `^(${folders.join('|')})/`;

/** One rule per folder: nothing in a higher layer. The top layer has nothing above it. */
const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(0, index).flat();
  if (above.length === 0) return [];
  return layer.map((folder) => ({
    name: `layer-${folder.replace(/^src\//, '')}`,
    severity: 'error',
    comment: `${folder} is in layer ${index + 1} of ${LAYERS.length} (${layer.join(', ')}): it never imports ${above.join(', ')}. Move what it needs down, or the importing code up.`,
    from: { path: `^${folder}/` },
    to: { path: anyOf(above) },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles between files (a cycle hides which layer depends on which).',
      from: { path: '^(src|recipes|screens)/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment: 'No two folders import each other, directly or round a circle, even when they share a layer.',
      scope: 'folder',
      from: { path: '^(src|recipes|screens)/' },
      to: { circular: true },
    },
    {
      name: 'every-folder-in-a-layer',
      severity: 'error',
      comment: 'Every folder of src, and recipes and screens, has its place in LAYERS at the top of .dependency-cruiser.mjs.',
      from: { path: '^(src|recipes|screens)/', pathNot: anyOf(LAYERS.flat()) },
      to: {},
    },
    {
      name: 'plan-is-pure',
      severity: 'error',
      comment: 'Plans are pure data: no I/O adapters, although adapters sit below the plan (the layers keep everything else above it out).',
      from: { path: '^src/plan/' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'alerts-are-pure',
      severity: 'error',
      comment: 'src/alerts is pure (destinations, messages as request data, the once-per-problem memory): it imports only src/text, zod and node built-ins; src/adapters/webhook.ts sends.',
      from: { path: '^src/alerts/' },
      to: { path: '^(src|recipes|screens|node_modules)/', pathNot: '^(src/(alerts|text)|node_modules/zod)/' },
    },
    {
      name: 'use-cases-print-nothing',
      severity: 'error',
      comment: 'Use cases return results; they never import screens, which share their layer (the CLI is above them).',
      from: { path: '^src/app/' },
      to: { path: '^screens/' },
    },
    {
      name: 'cli-through-use-cases',
      severity: 'error',
      comment:
        'The CLI is flags → request → one use case → text or JSON → exit code: it reaches the rest only through src/app. Besides the use cases it imports the config (flags name its file), the wizard (the questions), screens, src/text and the progress event types.',
      from: { path: '^src/cli/' },
      to: { path: '^(src|recipes)/', pathNot: '^src/(cli|app|config|wizard|text)/|^src/run/(events|file-progress)\\.ts$' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
