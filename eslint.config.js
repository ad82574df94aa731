// ESLint (flat config): typescript-eslint's recommended rules and import-x's cycle check over
// every TypeScript and JavaScript file of the project. `npm run lint`; `npm test` runs it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'console/dist/', '**/*.d.ts', '.synctrail/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs'] })],
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', URLSearchParams: 'readonly', performance: 'readonly', queueMicrotask: 'readonly', document: 'readonly', window: 'readonly', localStorage: 'readonly', navigator: 'readonly', location: 'readonly', history: 'readonly', HTMLElement: 'readonly', Event: 'readonly', crypto: 'readonly', atob: 'readonly', btoa: 'readonly', Blob: 'readonly', FormData: 'readonly' } },
    rules: {
      // A cycle among modules, type imports counted: the domain stays a tree (docs/architecture.md).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // `_name` marks a value left out on purpose (destructuring a field away, an unused parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // CommonJS files (the shims bundled for aws-xray-sdk-core's semver and for fzstd): their module
    // globals, and `require`, which is how CommonJS imports.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { exports: 'writable', module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests and the benchmark read HTTP answers and SDK inputs as untyped JSON (`body: any`) and assert on their
    // shape with vitest; typing every fixture would say nothing the assertions do not.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
