// The layer rules of architecture.md, enforced in CI: ESLint's no-restricted-imports per zone
// (eslint.config.js) must find nothing in app/, main/ and renderer/. And the rule itself must
// bite: a file that breaks each boundary is reported.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function boundaryErrors(patterns: string[]): Promise<string[]> {
  const results = await eslint.lintFiles(patterns);
  return results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line} ${m.message}`));
}

async function lintText(text: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(text, { filePath });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer boundaries', () => {
  it('app/, main/ and renderer/ respect them', async () => {
    expect(await boundaryErrors(['app/**/*.ts', 'main/**/*.ts', 'renderer/**/*.ts'])).toEqual([]);
  }, 120_000);

  it('reports Electron in app/, Node in app/common and the engine in the renderer', async () => {
    expect(await lintText("import { app } from 'electron';\nexport const a = app;\n", 'app/engine/x.ts')).toHaveLength(1);
    expect(await lintText("import { readFile } from 'node:fs';\nexport const r = readFile;\n", 'app/common/x.ts')).toHaveLength(1);
    expect(await lintText("import { createEngine } from '../app/engine/engine.js';\nexport const c = createEngine;\n", 'renderer/x.ts')).toHaveLength(1);
    expect(await lintText("import type { TransferView } from '../app/common/transfer.js';\nexport type V = TransferView;\n", 'renderer/x.ts')).toHaveLength(0);
  });
});
