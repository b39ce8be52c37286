// ESLint: TypeScript rules plus the realm boundaries of ../shared/STYLE.md R1.
// - The UI realm (ui, store with the worker bridge, main.tsx) never imports tfjs or model/KD/training
//   code; it talks to the worker through src/protocol (types only) and src/store/bridge.ts.
// - The core realm (model, kd, data, train, storage, config, util) never imports React, zustand,
//   recharts or UI code, so it runs unchanged in the worker, in Node and in tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

const uiLibs = ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'zustand', 'zustand/*', 'recharts'];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-cli/**', 'node_modules/**', 'reports/**', 'test-results/**', 'playwright-report/**', '.gpu/**', 'scratch/**'] },
  {
    // Node scripts (plain ESM JavaScript): Node's globals.
    files: ['scripts/**/*.mjs', '*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', performance: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'src/cli/**'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
      'boundaries/include': ['src/**/*'],
      'boundaries/elements': [
        { type: 'protocol', pattern: 'src/protocol' },
        { type: 'train', pattern: 'src/train' },
        { type: 'model', pattern: 'src/model' },
        { type: 'kd', pattern: 'src/kd' },
        { type: 'data', pattern: 'src/data' },
        { type: 'storage', pattern: 'src/storage' },
        { type: 'io', pattern: 'src/io' },
        { type: 'config', pattern: 'src/config' },
        { type: 'util', pattern: 'src/util' },
        { type: 'store', pattern: 'src/store' },
        { type: 'ui', pattern: 'src/ui' },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        2,
        {
          default: 'allow',
          policies: [
            {
              from: { element: { types: { anyOf: ['ui', 'store'] } } },
              disallow: { to: { element: { types: { anyOf: ['model', 'kd', 'train'] } } } },
            },
            {
              from: { element: { types: { anyOf: ['model', 'kd', 'data', 'train', 'storage', 'io', 'config', 'util', 'protocol'] } } },
              disallow: { to: { element: { types: { anyOf: ['ui', 'store'] } } } },
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/store/**/*.ts', 'src/main.tsx'],
    ignores: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@tensorflow/*'], message: 'The UI realm never imports tfjs; talk to the worker through src/store/bridge.ts.' },
          { group: ['**/model', '**/model/*', '**/kd', '**/kd/*'], message: 'Model and KD code live in the worker realm.' },
          { group: ['**/train', '**/train/*'], message: 'The UI reaches training only through src/protocol and src/store/bridge.ts.' },
        ],
      }],
    },
  },
  {
    files: ['src/model/**/*.ts', 'src/kd/**/*.ts', 'src/data/**/*.ts', 'src/train/**/*.ts', 'src/storage/**/*.ts', 'src/io/**/*.ts', 'src/config/**/*.ts', 'src/util/**/*.ts', 'src/protocol/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: uiLibs.filter((p) => !p.includes('*')).map((name) => ({ name, message: 'Core code is DOM- and React-free.' })),
        patterns: [
          { group: ['zustand/*', '**/ui', '**/ui/*', '**/store', '**/store/*'], message: 'Core code never imports the UI realm.' },
        ],
      }],
    },
  },
);
