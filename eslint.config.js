// ESLint: typescript-eslint's recommended rules over the library, the playground, scripts and tests.
// Import cycles and import direction are checked by test/core/imports.test.ts (the layering rule of
// ARCHITECTURE.md), which knows the project's layers; eslint-plugin-import would only repeat its cycle half.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'docs/**', 'node_modules/**', 'playground/dist/**', 'assembly/**', 'out/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `_`-prefixed names mark parameters a signature needs but a body ignores.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // plain Node scripts (bench helpers): Node's globals
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
