// Bundles the bench's child processes from TypeScript with esbuild, into this checkout's dist/ so
// that their bare imports (undici, @tus/server, tus-js-client) resolve from its node_modules. Not
// under node_modules: worktrees share that (a symlink), and one checkout's bench would then run
// another's children, built from other code, whenever both benchmark at once.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const CHILDREN = ['emulator-child', 'ours-child', 'curl-prepare', 'curl-finish', 'tus-server-child', 'tus-js-child'];

export async function buildChildren(root) {
  const out = join(root, 'dist', 'bench-children');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: CHILDREN.map((c) => join(root, 'scripts', 'bench', `${c}.ts`)),
    outdir: out, outExtension: { '.js': '.mjs' },
    bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning',
    banner: { js: "import { createRequire as __ferryCreateRequire } from 'node:module'; const require = __ferryCreateRequire(import.meta.url);" },
  });
  return Object.fromEntries(CHILDREN.map((c) => [c, join(out, `${c}.mjs`)]));
}
