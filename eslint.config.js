import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/golden/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Read-only commands (plan, status, certs, secret ls) run beside the ones that write, without a lock:
    // they must never see half a file. So every file is replaced whole, through writeFileAtomic.
    files: ['src/**/*.{ts,tsx}', 'recipes/**/*.ts', 'screens/**/*.tsx'],
    ignores: ['src/config/fs-atomic.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['node:fs/promises', 'fs/promises'].map((name) => ({ name, importNames: ['writeFile', 'appendFile', 'copyFile', 'cp', 'truncate'], message: 'write files with writeFileAtomic (src/config/fs-atomic.ts): readers never see half a file' })),
        ...['node:fs', 'fs'].map((name) => ({
          name,
          importNames: ['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync', 'createWriteStream', 'truncate', 'truncateSync', 'promises'],
          message: 'write files with writeFileAtomic (src/config/fs-atomic.ts): readers never see half a file',
        })),
      ],
    },
  },
  {
    // Errors are chosen by their class, never by their text: a message is for a person and may change
    // (or come from a server). Each error class carries what it means; src/cli/run-cli.ts maps classes to exit codes.
    files: ['src/**/*.{ts,tsx}', 'recipes/**/*.ts', 'screens/**/*.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "BinaryExpression[operator=/^[!=]==?$/] > MemberExpression.left[property.name='name'][object.name=/^(e|err|error|cause|reason|failure|thrown)$/]",
          message: 'choose an error by its class (instanceof), not by error.name',
        },
        {
          selector: "BinaryExpression[operator=/^[!=]==?$/] > MemberExpression.right[property.name='name'][object.name=/^(e|err|error|cause|reason|failure|thrown)$/]",
          message: 'choose an error by its class (instanceof), not by error.name',
        },
        {
          selector: "CallExpression[callee.property.name=/^(split|match|matchAll|test|exec|search|replace|replaceAll|startsWith|endsWith|includes|indexOf|slice|substring)$/][callee.object.property.name='message']",
          message: "never parse an error's message: give the error class a field, or a class of its own",
        },
        {
          selector: "CallExpression[callee.property.name=/^(test|exec)$/] > MemberExpression.arguments[property.name='message']",
          message: "never parse an error's message: give the error class a field, or a class of its own",
        },
        {
          selector: "TSAsExpression[typeAnnotation.typeName.name='ExitCode'] > TSAsExpression",
          message: 'an exit code is one of EXIT (src/cli/exit.ts): add it there instead of casting',
        },
      ],
    },
  },
);
