// One lint configuration for the whole repository: TypeScript rules for the nodes,
// plain recommended rules for the editor script, scripts, benchmarks and tests.
// Formatting is Prettier's job (.prettierrc.json); nothing here argues about layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-output/', 'bench/out/', '.demo/', 'coverage/'] },
  js.configs.recommended,
  // MQTT topics and ids are checked for control characters on purpose.
  { rules: { 'no-control-regex': 'off' } },
  {
    files: ['nodes/**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      // `const node = this` is the Node-RED idiom for the node inside its callbacks.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  {
    files: ['test/**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only' },
        { object: 'it', property: 'only' },
      ],
    },
  },
  // Tests hand functions to page.evaluate: those run in the editor, where RED, $ and document exist.
  {
    files: ['test/**/*.js', 'scripts/screenshots.js'],
    languageOptions: { globals: { RED: 'readonly', $: 'readonly', document: 'readonly' } },
  },
  {
    files: ['resources/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.browser, RED: 'readonly', $: 'readonly', jQuery: 'readonly' },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
