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
    ignores: ['src/adapters/fs-atomic.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['node:fs/promises', 'fs/promises'].map((name) => ({ name, importNames: ['writeFile', 'appendFile', 'copyFile', 'cp', 'truncate'], message: 'write files with writeFileAtomic (src/adapters/fs-atomic.ts): readers never see half a file' })),
        ...['node:fs', 'fs'].map((name) => ({
          name,
          importNames: ['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync', 'createWriteStream', 'truncate', 'truncateSync', 'promises'],
          message: 'write files with writeFileAtomic (src/adapters/fs-atomic.ts): readers never see half a file',
        })),
      ],
    },
  },
);
