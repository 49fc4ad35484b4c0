// `npm run lint` (part of `npm test`): ESLint with type information from tsconfig.json.
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'workflows/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // Files outside tsconfig.json's include, checked with its options.
          allowDefaultProject: ['bin/*.mjs', 'eslint.config.js'],
          defaultProject: 'tsconfig.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX },
    settings: {
      // Which imported files no-cycle reads (its default is JavaScript only).
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      // The project imports with `.ts` extensions, so plain node resolution finds every file.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-deprecated': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Passing on what a catch caught (unknown) is fine; rejecting with a string is not.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Runtime cycles only: the rule skips `import type` edges, which are erased, so they
      // cannot make a module run before one it needs has finished loading.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // TypeScript knows Node's globals in .ts files; plain JavaScript needs them listed.
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['test/**'],
    rules: {
      // Fakes and tests implement Promise-returning interfaces with `async` functions that need
      // no await (and whose throw must become a rejection); a forgotten await is no-floating-promises' job.
      '@typescript-eslint/require-await': 'off',
      // vitest types its asymmetric matchers (expect.any, expect.stringMatching, …) as any, and
      // tests put them in object literals all the time. An any that a test then uses is still
      // caught by no-unsafe-member-access, -argument, -call and -return.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
