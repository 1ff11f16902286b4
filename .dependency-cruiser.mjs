// The import rules of DESIGN.md "Architecture: one engine, two targets", checked by `npm run lint`.
// Type-only imports and dynamic import() count like any other import.
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
      name: 'text-is-lowest',
      severity: 'error',
      comment: 'src/text (remote text made safe to show) is below everything: every adapter, command parser and error may import it; it imports nothing of the project.',
      from: { path: '^src/text/' },
      to: { path: '^(src/(?!text/)|recipes/|screens/)' },
    },
    {
      name: 'screens-not-cli',
      severity: 'error',
      comment: 'Screens are Ink components: props in, callbacks out. They never import the CLI.',
      from: { path: '^screens/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'recipes-are-lowest',
      severity: 'error',
      comment: 'Recipes turn config into file text; they never import the CLI, the engine, the use cases or screens.',
      from: { path: '^recipes/' },
      to: { path: '^(src/(cli|run|app)|screens)/' },
    },
    {
      name: 'plan-and-commands-are-pure',
      severity: 'error',
      comment: 'Plans and command builders are pure data: no engine, use cases, CLI, screens or I/O adapters.',
      from: { path: '^src/(plan|commands)/' },
      to: { path: '^(src/(run|app|cli|adapters)|screens)/' },
    },
    {
      name: 'adapters-below-engine',
      severity: 'error',
      comment: 'Adapters are the I/O at the bottom: they never import the engine, the use cases, the CLI or screens.',
      from: { path: '^src/adapters/' },
      to: { path: '^(src/(run|app|cli)|screens)/' },
    },
    {
      name: 'engine-below-use-cases',
      severity: 'error',
      comment: 'The engine and the targets run what use cases plan; they never import the use cases, the CLI or screens.',
      from: { path: '^src/(run|targets)/' },
      to: { path: '^(src/(app|cli)|screens)/' },
    },
    {
      name: 'use-cases-print-nothing',
      severity: 'error',
      comment: 'Use cases return results; they never import the CLI or screens.',
      from: { path: '^src/app/' },
      to: { path: '^(src/cli|screens)/' },
    },
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
