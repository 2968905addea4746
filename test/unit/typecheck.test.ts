// Strict TypeScript in CI: vitest strips types without checking them, so each zone's tsconfig
// (common: no Node; renderer: DOM, no Node; node: app, main, tests) is compiled here.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const tsc = join(process.cwd(), 'node_modules/typescript/bin/tsc');

function compile(project: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: process.cwd(), maxBuffer: 1 << 24 }, (_err, stdout) => resolve(stdout.trim()));
  });
}

describe('type check', () => {
  it.each(['tsconfig.common.json', 'tsconfig.renderer.json', 'tsconfig.node.json'])('%s compiles without errors', async (project) => {
    expect(await compile(project)).toBe('');
  }, 120_000);
});
