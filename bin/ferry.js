#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build` (run by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';
const target = new URL('../dist/cli/ferry.js', import.meta.url);
if (!existsSync(target)) {
  process.stderr.write('ferry: the CLI is not built yet; run `npm run build` in the Ferry checkout.\n');
  process.exit(2);
}
await import(target.href);
