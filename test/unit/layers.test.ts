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

  // Each rule of the layering inside app/ (README "How it is built"), and a permitted import beside
  // it so a rule that forbade everything would fail too.
  const cases: [string, string, string, boolean][] = [
    ['engine → node', 'app/engine/x.ts', '../node/logger.js', false],
    ['engine → providers', 'app/engine/x.ts', '../providers/registry.js', false],
    ['engine → common', 'app/engine/x.ts', '../common/errors.js', true],
    ['node → sync', 'app/node/x.ts', '../sync/aggregator.js', false],
    ['node → providers', 'app/node/x.ts', '../providers/shared/http-status.js', false],
    ['node → runtime', 'app/node/x.ts', '../runtime/runtime.js', false],
    ['node → engine', 'app/node/x.ts', '../engine/ports.js', true],
    ['provider → node', 'app/providers/box/x.ts', '../../node/logger.js', false],
    ['provider → emulator', 'app/providers/box/x.ts', '../../emulators/box/emulator.js', false],
    ['provider → engine port', 'app/providers/box/x.ts', '../../engine/provider.js', true],
    ['sync → service', 'app/sync/x.ts', '../service/ferry-service.js', false],
    ['service → emulators', 'app/service/x.ts', '../emulators/registry.js', false],
    ['service → runtime', 'app/service/x.ts', '../runtime/runtime.js', false],
    ['host → runtime', 'app/host/x.ts', '../runtime/runtime.js', false],
    ['host → service', 'app/host/x.ts', '../service/ferry-service.js', true],
    ['emulator → engine', 'app/emulators/box/x.ts', '../../engine/engine.js', false],
    ['emulator → provider wire', 'app/emulators/box/x.ts', '../../providers/box/wire.js', true],
    ['accounts → providers', 'app/accounts/x.ts', '../providers/registry.js', false],
    ['accounts → emulators', 'app/accounts/x.ts', '../emulators/auth/attach.js', false],
    ['accounts → node adapter', 'app/accounts/x.ts', '../node/atomic-file.js', true],
    ['runtime → emulators (composition root)', 'app/runtime/x.ts', '../emulators/ucloud/emulator.js', true],
  ];
  it.each(cases)('%s', async (_label, file, spec, allowed) => {
    const errors = await lintText(`import * as m from '${spec}';\nexport const x = m;\n`, file);
    expect(errors).toHaveLength(allowed ? 0 : 1);
  });
});

describe('the desktop bundle', () => {
  // The desktop app runs only the sandbox's emulator (UCloud); the other five stay out of it.
  it('carries the UCloud emulator and the kit, and no other emulator', async () => {
    const { build } = await import('esbuild');
    const r = await build({
      entryPoints: ['main/main.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external',
      external: ['electron'], write: false, metafile: true, logLevel: 'silent',
    });
    const emulatorFiles = Object.keys(r.metafile.inputs).filter((f) => f.startsWith('app/emulators/'));
    expect(emulatorFiles.some((f) => f.startsWith('app/emulators/ucloud/'))).toBe(true);
    expect(emulatorFiles.filter((f) => !f.startsWith('app/emulators/ucloud/') && !f.startsWith('app/emulators/kit/'))).toEqual([]);
  }, 60_000);
});
