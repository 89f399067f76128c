// ESLint (flat config): the architecture's import zones plus typescript-eslint's
// recommended rules that need no type information (fast on two cores).
import { createRequire } from 'node:module';
import js from '@eslint/js';

createRequire(import.meta.url)('./tools/lint/typescriptForLint.cjs');
const { default: tseslint } = await import('typescript-eslint');
const { default: zones } = await import('./tools/lint/importZones.js');

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '**/*.d.ts', 'resources/**', 'main/services/inference/testdata/**', 'tools/train/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    plugins: { longitude: zones },
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      'longitude/import-zones': 'error',
      // The code base's own conventions, not errors.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
