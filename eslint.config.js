// Lint rules: ESLint's and typescript-eslint's recommended sets (pure JavaScript, so `npm ci`
// installs them on any machine), with the few local choices named.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'scratch/', 'coverage/', 'tools/npm/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused arguments are fine when prefixed with _ (callback signatures).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Non-null assertions follow bounds checks we have made; the compiler cannot see them.
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // The simulator's web page: plain browser JavaScript (sim/web/page/app.js).
    files: ['sim/web/page/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(['document', 'location', 'fetch', 'performance', 'EventSource', 'URLSearchParams', 'setTimeout'].map((name) => [name, 'readonly'])),
    },
  },
  {
    // Plain Node.js scripts: the bundler (tools/bundle.mjs) and the bundle's starter (tools/bundle-start.cjs).
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
