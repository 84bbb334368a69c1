// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.agentmesh/**', 'coverage/**', 'integrations/*/dist/**', 'integrations/*/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', Response: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Components talk through their index.ts door only (CONTRIBUTING.md, "One door per folder"); each area of contracts has a door of
      // its own, so an importer loads only the shapes it uses (CONTRIBUTING.md, "Load what you use"). Which component may import which
      // is `.dependency-cruiser.mjs`, run by `npm run lint` too.
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(\\.\\./)+(src/)?(acp|protocol|contracts|compose|runtime|registry|gateway|orchestrator|tenancy|audit|storage|observability|http|ranking|cli)/(?!index\\.js$)(?!(?<=contracts/)[a-z-]+/index\\.js$).+',
          message: 'Import another component only through its index.js.',
        }],
      }],
    },
  },
  {
    // The web console runs in browsers (ADR 0018).
    files: ['console/**/*.{ts,tsx}'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', location: 'readonly', crypto: 'readonly', btoa: 'readonly', FormData: 'readonly', URLSearchParams: 'readonly', TextDecoderStream: 'readonly', HTMLElement: 'readonly', HTMLFormElement: 'readonly', HTMLInputElement: 'readonly', HTMLSelectElement: 'readonly', HTMLDivElement: 'readonly', Event: 'readonly' } },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
