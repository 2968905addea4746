// Bundles the bench's child processes from TypeScript with esbuild, next to node_modules so that
// their bare imports (undici, @tus/server, tus-js-client) resolve from this checkout.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const CHILDREN = ['emulator-child', 'ours-child', 'curl-prepare', 'curl-finish', 'tus-server-child', 'tus-js-child'];

export async function buildChildren(root) {
  const out = join(root, 'node_modules', '.cache', 'ferry-bench');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: CHILDREN.map((c) => join(root, 'scripts', 'bench', `${c}.ts`)),
    outdir: out, outExtension: { '.js': '.mjs' },
    bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning',
    banner: { js: "import { createRequire as __ferryCreateRequire } from 'node:module'; const require = __ferryCreateRequire(import.meta.url);" },
  });
  return Object.fromEntries(CHILDREN.map((c) => [c, join(out, `${c}.mjs`)]));
}
