// Lint, chiefly for the layer boundaries (architecture.md): app/ never imports Electron or the
// shells; app/common/ is pure TypeScript (no node:*); the renderer sees only app/common/.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['assert', 'async_hooks', 'buffer', 'child_process', 'crypto', 'dns', 'events', 'fs', 'fs/promises', 'http', 'https', 'http2', 'net', 'os', 'path', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib'];

const noElectronOrShells = {
  paths: [{ name: 'electron', message: 'app/ runs under plain Node: never import Electron here (main/ owns it).' }],
  patterns: [{ group: ['**/main/*', '**/renderer/*', '../main/**', '../renderer/**'], message: 'app/ must not import the shells (main/, renderer/).' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-artifacts/**', 'bench-results/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['app/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', noElectronOrShells] },
  },
  {
    files: ['app/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'app/common is pure TypeScript.' }, ...NODE_BUILTINS.map((name) => ({ name, message: 'app/common is pure TypeScript: no Node built-ins (the renderer imports it).' }))],
        patterns: [
          { group: ['node:*'], message: 'app/common is pure TypeScript: no node:* (the renderer imports it).' },
          { group: ['../engine/*', '../node/*', '../providers/*', '../sync/*', '../host/*', '../cli/*', '**/main/*', '**/renderer/*'], message: 'app/common imports only app/common.' },
        ],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The renderer talks only to window.ferry.' }, ...NODE_BUILTINS.map((name) => ({ name, message: 'The renderer runs in the browser sandbox: no Node.' }))],
        patterns: [
          { group: ['node:*'], message: 'The renderer runs in the browser sandbox: no node:*.' },
          { group: ['**/app/engine/*', '**/app/node/*', '**/app/providers/*', '**/app/sync/*', '**/app/host/*', '**/app/cli/*', '**/main/*'], message: 'The renderer imports only app/common (types and pure helpers).' },
        ],
      }],
    },
  },
  {
    files: ['test/**/*.ts'],
    // Tests read loosely typed JSON answers from servers; `any` there is honest.
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
