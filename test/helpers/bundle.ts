// Bundles a TypeScript entry into one ESM file so child processes start in plain `node`
// (tens of milliseconds) rather than through a TypeScript loader, for tests that spawn many.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';

export async function bundleForChild(entry: string): Promise<string> {
  // Inside this checkout's node_modules, so the bundle's bare imports (undici, ...) resolve, and
  // private to the test, so a concurrent `npm run build` cannot pull it away.
  const cache = join(process.cwd(), 'node_modules', '.cache', 'ferry-tests');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'bundle-'));
  // Readable by other users: some tests run the child as `nobody` to meet a permission error.
  chmodSync(dir, 0o755);
  const out = join(dir, 'child.mjs');
  await build({
    entryPoints: [entry], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning',
    // Resolve packages from this checkout even though the bundle lives in a temp dir.
    nodePaths: [join(process.cwd(), 'node_modules')],
    banner: { js: `import { createRequire as __cr } from 'node:module'; const require = __cr(${JSON.stringify(join(process.cwd(), 'package.json'))});` },
  });
  return out;
}
