// Lint, chiefly for the layer boundaries (architecture.md): app/ never imports Electron or the
// shells; app/common/ is pure TypeScript (no node:*); the renderer sees only app/common/.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['assert', 'async_hooks', 'buffer', 'child_process', 'crypto', 'dns', 'events', 'fs', 'fs/promises', 'http', 'https', 'http2', 'net', 'os', 'path', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib'];

const noElectronOrShells = {
  paths: [{ name: 'electron', message: 'app/ runs under plain Node: never import Electron here (main/ owns it).' }],
  patterns: [{ group: ['**/main/*', '**/renderer/*', '../main/**', '../renderer/**'], message: 'app/ must not import the shells (main/, renderer/).' }],
};

// Folders of app/ by role (README "How it is built"). A zone may import only what is below it:
//   common ← engine ← node (adapters) ← providers (clients) ← sync, service ← runtime, host ← cli
// and emulators are reached only by composition roots (runtime, cli), never by client code.
const dirs = (names) => names.flatMap((n) => [`../${n}/*`, `../../${n}/*`, `../../../${n}/*`, `**/app/${n}/*`]);
const zone = (forbidden, why) => ['error', {
  paths: noElectronOrShells.paths,
  patterns: [...noElectronOrShells.patterns, { group: dirs(forbidden), message: why }],
}];
const LAYERS = [
  ['app/engine/**/*.ts', ['node', 'providers', 'emulators', 'kit', 'sync', 'service', 'runtime', 'host', 'cli'], 'app/engine imports only app/common and itself (its ports are implemented elsewhere).'],
  ['app/node/**/*.ts', ['providers', 'emulators', 'kit', 'sync', 'service', 'runtime', 'host', 'cli'], 'app/node holds adapters of the engine ports: it imports only common and engine.'],
  ['app/providers/**/*.ts', ['node', 'emulators', 'kit', 'sync', 'service', 'runtime', 'host', 'cli'], 'A provider client imports only app/common, the engine ports and its own folder (and providers/shared).'],
  ['app/accounts/**/*.ts', ['providers', 'emulators', 'kit', 'sync', 'service', 'runtime', 'host', 'cli'], 'app/accounts keeps credentials fresh behind the Http port: common, engine ports and node adapters only.'],
  ['app/sync/**/*.ts', ['node', 'providers', 'emulators', 'kit', 'service', 'runtime', 'host', 'cli'], 'app/sync works through the engine and the watcher port only.'],
  ['app/service/**/*.ts', ['providers', 'emulators', 'kit', 'sync', 'runtime', 'host', 'cli'], 'app/service is the shells\' command service: common, engine and node adapters only.'],
  ['app/host/**/*.ts', ['providers', 'emulators', 'kit', 'sync', 'runtime', 'cli'], 'app/host is only the HTTP server around the command service.'],
  ['app/emulators/**/*.ts', ['engine', 'sync', 'service', 'runtime', 'host', 'cli'], 'An emulator stands alone: it may read provider wire types and pure node adapters (hashes), never the engine or the shells.'],
];

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
  ...LAYERS.map(([files, forbidden, why]) => ({ files: [files], rules: { 'no-restricted-imports': zone(forbidden, why) } })),
  {
    files: ['app/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'app/common is pure TypeScript.' }, ...NODE_BUILTINS.map((name) => ({ name, message: 'app/common is pure TypeScript: no Node built-ins (the renderer imports it).' }))],
        patterns: [
          { group: ['node:*'], message: 'app/common is pure TypeScript: no node:* (the renderer imports it).' },
          { group: ['../engine/*', '../node/*', '../providers/*', '../emulators/*', '../sync/*', '../service/*', '../runtime/*', '../host/*', '../cli/*', '**/main/*', '**/renderer/*'], message: 'app/common imports only app/common.' },
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
          { group: ['**/app/engine/*', '**/app/node/*', '**/app/providers/*', '**/app/emulators/*', '**/app/sync/*', '**/app/service/*', '**/app/runtime/*', '**/app/host/*', '**/app/cli/*', '**/main/*'], message: 'The renderer imports only app/common (types and pure helpers).' },
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
