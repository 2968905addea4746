// Bundles the bench's child processes from TypeScript with esbuild, next to node_modules so that
// their bare imports (undici, @tus/server, tus-js-client) resolve from this checkout. Each
// checkout gets its own folder: worktrees share one node_modules, and a bench in another one
// must not rebuild the children this one is about to run.
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const CHILDREN = ['emulator-child', 'ours-child', 'curl-prepare', 'curl-finish', 'tus-server-child', 'tus-js-child', 'ws-prepare', 'ws-ref-child'];

export async function buildChildren(root) {
  const out = join(root, 'node_modules', '.cache', 'ferry-bench', createHash('sha256').update(root).digest('hex').slice(0, 12));
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: CHILDREN.map((c) => join(root, 'scripts', 'bench', `${c}.ts`)),
    outdir: out, outExtension: { '.js': '.mjs' },
    bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning',
    banner: { js: "import { createRequire as __ferryCreateRequire } from 'node:module'; const require = __ferryCreateRequire(import.meta.url);" },
  });
  return Object.fromEntries(CHILDREN.map((c) => [c, join(out, `${c}.mjs`)]));
}
