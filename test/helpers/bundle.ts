// Bundles a TypeScript entry into one ESM file so child processes start in plain `node`
// (tens of milliseconds) rather than through a TypeScript loader, for tests that spawn many.
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function bundleForChild(entry: string): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'ferry-bundle-')), 'child.mjs');
  await build({
    entryPoints: [entry], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning',
    // Resolve packages from this checkout even though the bundle lives in a temp dir.
    nodePaths: [join(process.cwd(), 'node_modules')],
    banner: { js: `import { createRequire as __cr } from 'node:module'; const require = __cr(${JSON.stringify(join(process.cwd(), 'package.json'))});` },
  });
  return out;
}
